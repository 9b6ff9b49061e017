// The slow path: open the file through openat2, fstat the fd, and either
// read it whole into a cache entry or hand the fd over for streaming. When
// the cache held an entry whose path stat no longer matched (a chroot's
// absolute symlink names another file from the real root, say) but the fd
// reaches the very same, settled file, the entry is kept and not read again.
import { fstat, close, type Stats } from 'node:fs';

import { byteStringBuffer } from '../../../request/routing/byte-string.js';
import type { FileCache } from './file-cache.js';
import { FileEntry } from './file-entry.js';
import { openShareFile, type ResolveLimits } from './open-file.js';
import { readWhole } from './read-file.js';

export type LoadResult =
  /** A regular file in memory (cached when the budget allows). */
  | { kind: 'file'; entry: FileEntry }
  /** A regular file too large to cache: its entry (no body) and the open fd, which the caller closes. */
  | { kind: 'large'; entry: FileEntry; fd: number }
  /** A directory named without the trailing slash. */
  | { kind: 'directory' }
  /** 403 or 404: the next share, or the fallback, may serve the request. */
  | { kind: 'failed'; status: 403 | 404; message: string; log: boolean }
  /** A 500: final. */
  | { kind: 'error'; message: string };

export interface LoadRequest {
  /** The file's path (the share's value, with the index appended to a trailing "/"). */
  path: string;
  /** Whether the share's value ended in "/" (then a directory is not redirected but 404). */
  slash: boolean;
  chroot: string;
  limits: ResolveLimits;
  key: string;
  cache: FileCache;
}

/** A truncation between fstat and read is retried this many times before it is an error. */
const ATTEMPTS = 3;

function fstatOf(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (err, stats) => (err ? reject(err) : resolve(stats))));
}

function closeFd(fd: number): void {
  close(fd, () => undefined);
}

async function attempt(load: LoadRequest): Promise<LoadResult | null> {
  const opened = openShareFile(load.path, load.chroot, load.limits);
  if (!opened.ok) {
    if (opened.status === 500) return { kind: 'error', message: opened.message };
    return { kind: 'failed', status: opened.status, message: opened.message, log: opened.status !== 404 };
  }
  const fd = opened.fd;
  let handedOver = false;
  try {
    // Taken before the fstat: a change after this instant may hide behind equal times.
    const readAt = Date.now();
    const stats = await fstatOf(fd);
    if (!stats.isFile()) {
      if (stats.isDirectory() && !load.slash) return { kind: 'directory' };
      return { kind: 'failed', status: 404, message: `"${load.path}" is not a regular file`, log: true };
    }
    const cache = load.cache;
    const known = cache.peek(load.key);
    if (known !== undefined && known.body !== null && known.settled && known.sameFile(stats)) {
      cache.confirm(known, readAt);
      return { kind: 'file', entry: known };
    }
    const statPath = byteStringBuffer(opened.realPath);
    if (stats.size > cache.maxFileBytes) {
      cache.countMiss();
      handedOver = true;
      return { kind: 'large', entry: new FileEntry(load.key, statPath, stats, null, readAt, cache.settleMs), fd };
    }
    const body = await readWhole(fd, stats.size);
    if (body === null) return null;
    const entry = new FileEntry(load.key, statPath, stats, body, readAt, cache.settleMs);
    entry.requestPath = byteStringBuffer(load.path);
    cache.insert(entry);
    return { kind: 'file', entry };
  } finally {
    if (!handedOver) closeFd(fd);
  }
}

export async function loadFile(load: LoadRequest): Promise<LoadResult> {
  let result: LoadResult | null = null;
  for (let i = 0; i < ATTEMPTS && result === null; i++) result = await attempt(load);
  result ??= { kind: 'error', message: `"${load.path}" kept shrinking while it was read` };
  if (result.kind !== 'file') load.cache.forget(load.key);
  return result;
}
