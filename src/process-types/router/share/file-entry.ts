// One regular file as the share serves it: its identity and times from the
// fstat of the fd it was read from, its validators, and (when small enough
// to cache) its contents. The response head is built once per content type
// (shares with different MIME tables may serve the same file) and reused.
import type { Stats } from 'node:fs';

import { ENTRY_OVERHEAD_BYTES } from './limits.js';
import { etagOf, httpDate } from './validators.js';

export type ResponseHeaders = Readonly<Record<string, string | number>>;

export class FileEntry {
  /** What the file was found by: resolution limits, chroot and path. */
  readonly key: string;
  /** The same file named from the real root (symlinks resolved), for the periodic async check. */
  readonly statPath: Buffer;
  /**
   * The path the share named (symlinks not resolved), for the per-request
   * stat: a symlink swapped to another file is seen as a change.
   */
  requestPath: Buffer | undefined;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly mtimeSeconds: number;
  readonly etag: string;
  readonly lastModified: string;
  /** The whole file; null when it is streamed instead. */
  readonly body: Buffer | null;
  /** False when the file changed so shortly before it was read that equal stats prove nothing. */
  readonly settled: boolean;
  /** When the disk last confirmed this entry (Date.now()). */
  checkedAt: number;
  /** The check in progress, shared by every request that finds the entry due. */
  pending: Promise<boolean> | null = null;
  #contentType: string | undefined;
  #headers: ResponseHeaders | undefined;
  #notModified: ResponseHeaders | undefined;

  /**
   * `readAt`: Date.now() taken before the fstat; `settleMs`: how long
   * before that the file must have last changed for its stats to be trusted.
   */
  constructor(key: string, statPath: Buffer, stats: Stats, body: Buffer | null, readAt: number, settleMs: number) {
    this.key = key;
    this.statPath = statPath;
    this.dev = stats.dev;
    this.ino = stats.ino;
    this.size = stats.size;
    this.mtimeMs = stats.mtimeMs;
    this.ctimeMs = stats.ctimeMs;
    this.mtimeSeconds = Math.floor(stats.mtimeMs / 1000);
    this.etag = etagOf(this.mtimeSeconds, this.size);
    this.lastModified = httpDate(this.mtimeSeconds);
    this.body = body;
    this.settled = readAt - Math.max(stats.mtimeMs, stats.ctimeMs) > settleMs;
    this.checkedAt = readAt;
  }

  /** Does a fresh stat of the path still describe the file this entry holds? */
  sameFile(stats: Stats): boolean {
    return (
      stats.isFile() &&
      stats.ino === this.ino &&
      stats.dev === this.dev &&
      stats.size === this.size &&
      stats.mtimeMs === this.mtimeMs &&
      stats.ctimeMs === this.ctimeMs
    );
  }

  /** The 200 head, in Unit's order: Last-Modified, ETag, Content-Type (when known), Content-Length. */
  headers(contentType: string): ResponseHeaders {
    if (this.#headers !== undefined && this.#contentType === contentType) return this.#headers;
    const headers: Record<string, string | number> = { 'Last-Modified': this.lastModified, ETag: this.etag };
    if (contentType.length > 0) headers['Content-Type'] = contentType;
    headers['Content-Length'] = this.size;
    this.#contentType = contentType;
    this.#headers = Object.freeze(headers);
    return this.#headers;
  }

  /** The 304 head: the validators only. */
  notModifiedHeaders(): ResponseHeaders {
    return (this.#notModified ??= Object.freeze({ 'Last-Modified': this.lastModified, ETag: this.etag }));
  }

  /** Bytes charged to the cache for this entry. */
  get weight(): number {
    return (this.body?.length ?? 0) + this.key.length * 2 + this.statPath.length + ENTRY_OVERHEAD_BYTES;
  }
}
