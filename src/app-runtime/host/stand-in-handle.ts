// What a captured server holds where a bound server holds its listening
// socket. net.Server asks its handle for the address (getsockname), closes it
// in close(), and refs/unrefs it; this answers with the address the app asked
// for and passes close/ref/unref on to whatever really accepts for the
// server (the host's acceptors on Weft's listening fds).
import type net from 'node:net';

export interface StandInEvents {
  close(): void;
  ref(): void;
  unref(): void;
}

export class StandInHandle {
  /** Present for TCP requests only: net.Server falls back to `_pipeName` without it, as for a pipe. */
  readonly getsockname?: (out: Record<string, unknown>) => number;
  #events: StandInEvents;
  #referenced = true;
  #closed = false;

  constructor(address: net.AddressInfo | null, events: StandInEvents) {
    this.#events = events;
    if (address !== null) {
      this.getsockname = (out) => {
        out.address = address.address;
        out.family = address.family;
        out.port = address.port;
        return 0;
      };
    }
  }

  close(callback?: () => void): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#events.close();
    }
    if (callback) process.nextTick(callback);
  }

  ref(): void {
    this.#referenced = true;
    this.#events.ref();
  }

  unref(): void {
    this.#referenced = false;
    this.#events.unref();
  }

  hasRef(): boolean {
    return this.#referenced;
  }
}
