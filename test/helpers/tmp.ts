// Temporary directories that are removed when the test ends, pass or fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ExecutionContext } from 'ava';

export function tempDir(t: ExecutionContext, prefix = 'weft-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
