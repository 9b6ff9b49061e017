// The request watchdog thread of application processes: see native/watchdog.h.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';

export interface WatchdogOptions {
  /** [0] heartbeat, then per slot: deadline, fd, state (see native/watchdog.h); times in performance.now() ms. */
  table: Float64Array;
  slots: number;
  intervalMs: number;
  /** How long the loop may go without a heartbeat before the thread acts on expired requests. */
  stallMs: number;
  exitCode: number;
  /** Sent to the client of an expired request that had no answer yet. */
  response: Buffer;
}

export function startWatchdog(o: WatchdogOptions): void {
  // The thread reads CLOCK_MONOTONIC (as libuv's hrtime does); the table holds performance.now() values.
  const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  try {
    native.startWatchdog(o.table.buffer as ArrayBuffer, o.slots, o.intervalMs, o.stallMs, offsetMs, o.exitCode, o.response);
  } catch (e) {
    throw fromNative(ErrorCodes.ARGUMENT, e);
  }
}
