// Small files in memory: the contents and a ready-made head, keyed by how
// the file was found (resolution limits, chroot, path). Unit stats a file
// on every request, so a file changed on disk is served with its new size,
// ETag and Last-Modified at once; so does Weft by default
// (revalidateMs = 0): a hit costs one synchronous stat of the path (a few
// microseconds for a file in the dentry cache, measured in docs/share.md)
// and no open or read. The entry stands only if the same inode is there
// with the same size, mtime and ctime; otherwise the request takes the
// slow path and the file is opened again through openat2 (load-file.ts),
// which confirms, replaces or forgets the entry. The stat is a change
// detector, not an access check: it can only confirm the very inode an
// earlier openat2 reached, so it cannot widen what the share serves.
//
// With revalidateMs > 0 (tests, benchmarks) an entry is trusted that long
// without a stat; the first request after that waits for one async stat,
// shared by every request that arrives meanwhile.
//
// Bounded by total bytes, least recently used first. An entry moves to the
// young end when it is confirmed, at most once per TOUCH_MS, which keeps
// hits free of bookkeeping; the order is that approximate.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

import { FileEntry } from './file-entry.js';
import { CACHE_MAX_BYTES, CACHE_MAX_FILE_BYTES, REVALIDATE_MS, SETTLE_MS } from './limits.js';

/** How often at most a hit moves its entry to the young end of the LRU order. */
const TOUCH_MS = 1000;

export interface FileCacheOptions {
  maxBytes?: number;
  maxFileBytes?: number;
  revalidateMs?: number;
  settleMs?: number;
}

export interface FileCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  revalidations: number;
  evictions: number;
}

export class FileCache {
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  readonly revalidateMs: number;
  readonly settleMs: number;
  readonly #entries = new Map<string, FileEntry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #revalidations = 0;
  #evictions = 0;

  constructor(options: FileCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? CACHE_MAX_BYTES;
    this.maxFileBytes = Math.min(options.maxFileBytes ?? CACHE_MAX_FILE_BYTES, this.maxBytes);
    this.revalidateMs = options.revalidateMs ?? REVALIDATE_MS;
    this.settleMs = options.settleMs ?? SETTLE_MS;
  }

  /** The entry when it is known to be current; else undefined (absent, or due for a check). */
  fresh(key: string, now: number): FileEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.revalidateMs === 0) return this.#statNow(entry, now);
    // A negative age is a wall clock stepped back: check now rather than trust the entry for that long.
    if (now >= entry.checkedAt && now - entry.checkedAt < this.revalidateMs) {
      this.#hits++;
      return entry;
    }
    return undefined;
  }

  /** The per-request check: the entry when a stat of its path shows the very same file; else the slow path decides. */
  #statNow(entry: FileEntry, now: number): FileEntry | undefined {
    this.#revalidations++;
    let stats;
    try {
      stats = statSync(entry.requestPath ?? entry.statPath, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    // A miss is not proof of a change (an absolute symlink inside a chroot
    // names another file from the real root): the slow path's openat2 says.
    if (stats === undefined || !entry.settled || !entry.sameFile(stats)) return undefined;
    this.#hits++;
    if (now < entry.checkedAt || now - entry.checkedAt >= TOUCH_MS) this.#touch(entry, now);
    return entry;
  }

  /** The entry, fresh or not, to check before use. */
  peek(key: string): FileEntry | undefined {
    return this.#entries.get(key);
  }

  /**
   * Resolves true when the entry still stands (it is then current for
   * another revalidateMs), false when the file must be opened again; the
   * entry stays until that open replaces, confirms or forgets it.
   */
  async revalidate(entry: FileEntry): Promise<boolean> {
    const standing = await (entry.pending ??= this.#check(entry));
    if (standing) this.#hits++;
    return standing;
  }

  async #check(entry: FileEntry): Promise<boolean> {
    this.#revalidations++;
    // Taken before the stat: the entry is vouched for from the moment the stat began, not ended.
    const at = Date.now();
    let same = false;
    try {
      same = entry.settled && entry.sameFile(await stat(entry.statPath));
    } catch {
      // gone, or no longer reachable: opening it again says which
    }
    entry.pending = null;
    if (!same || this.#entries.get(entry.key) !== entry) return false;
    this.#touch(entry, at);
    return true;
  }

  /** An open of the file reached this entry's very file again at `at`: it serves the request that opened it. */
  confirm(entry: FileEntry, at: number): void {
    this.#touch(entry, at);
    this.#hits++;
  }

  /** Current again from `at`, and young. */
  #touch(entry: FileEntry, at: number): void {
    entry.checkedAt = at;
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
  }

  /** Drops whatever is cached under the key (the file is gone or no longer cacheable). */
  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(entry);
  }

  /** Takes a freshly read entry (replacing any under its key) and evicts down to the budget. */
  insert(entry: FileEntry): void {
    this.#misses++;
    if (entry.body === null || entry.body.length > this.maxFileBytes) return;
    const previous = this.#entries.get(entry.key);
    if (previous !== undefined) this.#remove(previous);
    this.#entries.set(entry.key, entry);
    this.#bytes += entry.weight;
    for (const oldest of this.#entries.values()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest);
      this.#evictions++;
    }
  }

  /** Counts a request that had to open the file (too large to cache, or not a file). */
  countMiss(): void {
    this.#misses++;
  }

  #remove(entry: FileEntry): void {
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    this.#bytes -= entry.weight;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  stats(): FileCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      revalidations: this.#revalidations,
      evictions: this.#evictions,
    };
  }
}

/** The router's one cache, shared by every share of every configuration, so the budget is global. */
export const sharedFileCache = new FileCache();
