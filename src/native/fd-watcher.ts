// Readiness of an arbitrary fd through libuv (for the kernel's event engine).
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';
import type { NativeFdWatcher } from './native.js';

export interface FdEvents {
  readable?: boolean;
  writable?: boolean;
  /** The peer hung up. */
  disconnect?: boolean;
}

function toMask(e: FdEvents): number {
  return (e.readable ? 1 : 0) | (e.writable ? 2 : 0) | (e.disconnect ? 4 : 0);
}

export class FdWatcher {
  #native: NativeFdWatcher;

  constructor(fd: number, callback: (events: Required<FdEvents>, errno: number) => void) {
    try {
      this.#native = new native.FdWatcher(fd, (mask, errno) =>
        callback({ readable: (mask & 1) !== 0, writable: (mask & 2) !== 0, disconnect: (mask & 4) !== 0 }, errno),
      );
    } catch (e) {
      throw fromNative(ErrorCodes.FD, e);
    }
  }

  start(events: FdEvents): this {
    this.#native.start(toMask(events));
    return this;
  }

  stop(): this {
    this.#native.stop();
    return this;
  }

  close(): void {
    this.#native.close();
  }

  unref(): this {
    this.#native.unref();
    return this;
  }

  ref(): this {
    this.#native.ref();
    return this;
  }
}
