// The TypeScript files under a directory, for tests that read Weft's own code.
import fs from 'node:fs';
import path from 'node:path';

export function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
