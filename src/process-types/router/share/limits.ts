// The numbers that bound the static file server's memory and staleness.

/** Total bytes of file contents the cache may hold (all shares of the router together). */
export const CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** A larger file is never cached: it is streamed from its fd on every request. */
export const CACHE_MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * How long a cached entry is trusted without a stat: 0, a stat on every
 * request, as Unit (a changed file is never served stale).
 */
export const REVALIDATE_MS = 0;

/**
 * A file changed this recently when it was read may change again within one
 * tick of the file system's clock, leaving size and times as they were; its
 * entry is read again at the next check instead of trusted.
 */
export const SETTLE_MS = 2000;

/** Bytes per read when streaming a file too large to cache. */
export const STREAM_CHUNK_BYTES = 512 * 1024;

/** Bookkeeping bytes charged per entry on top of its contents. */
export const ENTRY_OVERHEAD_BYTES = 256;
