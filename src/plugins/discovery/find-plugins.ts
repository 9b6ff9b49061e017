// Application plugins are directories holding an index.js that exports a
// `descriptor` with the type it serves and its version: the built-in ones
// (dist/plugins/<type>/) and any under --modulesdir.
import fs from 'node:fs';
import path from 'node:path';

import type { ModuleInfo } from './definition.js';

export interface Found {
  modules: ModuleInfo[];
  /** Directories that looked like plugins but failed to load, with why. */
  failures: Array<{ file: string; reason: string }>;
}

function candidates(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => path.join(dir, n, 'index.js')).filter((f) => fs.existsSync(f));
}

export function findPlugins(dirs: string[]): Found {
  const found: Found = { modules: [], failures: [] };
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const file of candidates(dir)) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const d = (require(file) as { descriptor?: { type?: unknown; version?: unknown } }).descriptor;
        if (!d || typeof d.type !== 'string' || typeof d.version !== 'string') {
          throw new Error('it exports no descriptor with a "type" and a "version"');
        }
        const key = `${d.type} ${d.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.modules.push({ type: d.type, version: d.version, file });
      } catch (e) {
        found.failures.push({ file, reason: (e as Error).message });
      }
    }
  }
  return found;
}
