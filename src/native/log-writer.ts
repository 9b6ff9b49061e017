// A log fd written from a thread of the addon's (native/log-writer.cc): the
// caller never waits for the disk or for whoever reads a pipe; lines keep
// their order; flush() waits (bounded) for what is queued, and every writer
// is flushed when the process exits (the 'exit' event: process.exit(), the
// end of the loop, an uncaught exception), so nothing queued is lost then.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';
import type { NativeLogWriter, NativeLogWriterStats } from './native.js';

export type LogWriterStats = NativeLogWriterStats;

/** What may wait in memory for a slow log before lines are dropped. */
export const DEFAULT_QUEUE_LIMIT = 16 * 1024 * 1024;
/** How long exit waits, in all, for logs that do not take their lines. */
export const EXIT_FLUSH_MS = 5000;

const live = new Set<NativeLogWriter>();
let exitHook = false;

function flushAtExit(writer: NativeLogWriter): void {
  // Writers closed and drained have nothing left to flush.
  for (const w of live) if (w.stats().finished) live.delete(w);
  live.add(writer);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    const deadline = Date.now() + EXIT_FLUSH_MS;
    for (const w of live) w.flush(Math.max(0, deadline - Date.now()));
  });
}

export class LogWriter {
  #native: NativeLogWriter;

  /** own: the writer takes fd and closes it; otherwise it writes to a dup (fd stays the caller's). */
  constructor(fd: number, options: { own?: boolean; limitBytes?: number } = {}) {
    try {
      this.#native = new native.LogWriter(fd, options.own ?? false, options.limitBytes ?? DEFAULT_QUEUE_LIMIT);
    } catch (e) {
      throw fromNative(ErrorCodes.FD, e, `cannot write a log to fd ${fd}`);
    }
    flushAtExit(this.#native);
  }

  /** Queues data; false when it was dropped because the queue is full or the writer closed. */
  write(data: Uint8Array | string): boolean {
    return this.#native.write(data);
  }

  /** Lines queued before go to the old fd; later ones to this one. */
  setFd(fd: number, options: { own?: boolean } = {}): void {
    try {
      this.#native.setFd(fd, options.own ?? false);
    } catch (e) {
      throw fromNative(ErrorCodes.FD, e, `cannot write a log to fd ${fd}`);
    }
  }

  /** Waits until everything queued is written; false if timeoutMs passed first. */
  flush(timeoutMs = EXIT_FLUSH_MS): boolean {
    return this.#native.flush(timeoutMs);
  }

  /**
   * No more writes; the queue is written and the fd closed by the writer's
   * thread. Waits up to timeoutMs for that (0: returns at once, and exit
   * still waits for it).
   */
  close(timeoutMs = 0): void {
    this.#native.close(timeoutMs);
  }

  stats(): LogWriterStats {
    return this.#native.stats();
  }
}
