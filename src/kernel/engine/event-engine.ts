// What Weft needs from an event loop. The libuv engine (Node's own loop) is
// the default; the interface keeps the rest of the kernel from assuming it.
import type { FdEvents } from '../../native/index.js';

export interface Cancel {
  (): void;
}

export interface EventEngine {
  readonly name: string;
  /** Calls `handler` when the fd is ready; returns a function that stops watching. */
  watchFd(fd: number, events: FdEvents, handler: (ready: Required<FdEvents>) => void): Cancel;
  setTimer(ms: number, handler: () => void, options?: { repeat?: boolean; unref?: boolean }): Cancel;
  onSignal(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): Cancel;
  /** Runs `work` on a later turn of the loop. */
  post(work: () => void): void;
}

/** The service type engines are registered under. */
export const ENGINE_SERVICE = 'engine';
