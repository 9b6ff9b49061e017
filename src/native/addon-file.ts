// Where the built addon may be, in the order tried, and loading it from
// there. Builtins and paths.ts only: code-cache.ts loads the addon (for its
// digest) before any bundle runs.
import { createRequire } from 'node:module';
import path from 'node:path';

import { packageRoot } from '../paths.js';

const ADDON_FILES = [path.join(packageRoot, 'build', 'Release', 'weft.node'), path.join(packageRoot, 'build', 'Debug', 'weft.node')];

const requireNative = createRequire(__filename);

/** The addon from the first build path that loads; otherwise why each failed. */
export function loadAddon(): { addon: unknown } | { failures: string[] } {
  const failures: string[] = [];
  for (const candidate of ADDON_FILES) {
    try {
      return { addon: requireNative(candidate) };
    } catch (e) {
      failures.push(`  ${candidate}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { failures };
}

/** What a process that needs the addon says when none loads. */
export function notLoaded(failures: string[]): string {
  return `cannot load the weft native addon (run "npm install" to build it); tried:\n${failures.join('\n')}`;
}
