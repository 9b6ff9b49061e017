// What discovery's plugins found at the last start (a Python interpreter's
// version, learnt by running it: ~40 ms of every start, on its critical
// path), kept in the state dir, which discovery (unprivileged) may not
// write: main keeps it for it and hands it back at the next start
// (DiscoveryContext.cached). Plain JSON that only discovery reads, bounded
// in size; a lost or broken file only costs the next start its probes.
import fs from 'node:fs';
import path from 'node:path';

import { isDeepStrictEqual } from 'node:util';

import type { DiscoveryCache } from '../../protocol/discovery.js';

const FILE = 'discovery-cache.json';
const MAX_BYTES = 256 * 1024;

export class DiscoveryCacheFile {
  readonly file: string;
  #kept: DiscoveryCache = {};

  constructor(stateDir: string) {
    this.file = path.join(stateDir, FILE);
  }

  /** What the last start kept ({} when nothing, or nothing usable). */
  read(): DiscoveryCache {
    try {
      const value = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      this.#kept = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as DiscoveryCache) : {};
    } catch {
      this.#kept = {};
    }
    return this.#kept;
  }

  /** Keeps what this start used, when it changed; a failure to write is no failure of the start. */
  write(cache: DiscoveryCache | undefined): void {
    if (cache === undefined || isDeepStrictEqual(cache, this.#kept)) return;
    const text = JSON.stringify(cache);
    if (text.length > MAX_BYTES) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, text, { mode: 0o644 });
      fs.renameSync(tmp, this.file);
      this.#kept = cache;
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}
