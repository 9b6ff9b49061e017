// One directory per ava run under the temp dir (named PREFIX<ava's pid>),
// shared by that run's test processes: ports.ts claims ports there,
// weftd-slots.ts takes slots. A run that died leaves its directory; the
// first use in a later run removes those whose ava is gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { isAlive } from './processes.js';

const swept = new Set<string>();

/** This ava run's directory for `prefix` (made if needed), after removing those of dead runs once. */
export function runDir(prefix: string): string {
  if (!swept.has(prefix)) {
    swept.add(prefix);
    for (const name of fs.readdirSync(os.tmpdir())) {
      const pid = Number(name.slice(prefix.length));
      if (name.startsWith(prefix) && Number.isInteger(pid) && !isAlive(pid)) {
        try {
          fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
        } catch {
          // Another user's (the temp dir is sticky): theirs to sweep.
        }
      }
    }
  }
  const dir = path.join(os.tmpdir(), `${prefix}${process.ppid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
