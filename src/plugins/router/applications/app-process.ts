// One application process as a router sees it: the channel main gave it to
// the process, whether it takes new work, the requests it holds, and the
// routed connections to it: each a socketpair whose other end is handed to
// the process, which serves HTTP on it like on an accepted connection.
import fs from 'node:fs';
import net from 'node:net';

import type { Port } from '../../../kernel/ports/port.js';
import { sharedMemory, socketPair } from '../../../native/index.js';
import '../../application/protocol.js';
import { Http1Connection } from '../../../transport/http1-connection.js';

/** Idle routed connections kept per process. */
const MAX_IDLE = 256;
/** Routed connections per process whose requests the process counts (more work, uncounted). */
const COUNTED = 1024;

export class AppProcess {
  readonly app: string;
  /** Its global pid (main's key for it). */
  readonly key: number;
  readonly generation: number;
  /** False once it drains (or is gone): no new request goes to it. */
  accepting = true;
  gone = false;
  /** Routed requests it holds now. */
  active = 0;
  #idle: Http1Connection[] = [];
  #port: Port;
  /** Requests the process has read, per routed connection (its slot). */
  #counters: Int32Array | undefined;
  #freeSlots: number[] = [];

  constructor(port: Port, app: string, key: number, generation: number) {
    this.#port = port;
    this.app = app;
    this.key = key;
    this.generation = generation;
    try {
      const shared = sharedMemory(COUNTED * 4, `weft-counters-${key}`);
      this.#port.notify(key, 'app.counters', { slots: COUNTED }, [shared.fd]);
      fs.closeSync(shared.fd);
      this.#counters = new Int32Array(shared.buffer);
      for (let i = COUNTED - 1; i >= 0; i--) this.#freeSlots.push(i);
    } catch {
      // Without counters every request it was sent counts as read: no retry elsewhere.
    }
  }

  /** The pid to show in logs. */
  get pid(): number {
    return this.key < 0x40000000 ? this.key : 0;
  }

  /**
   * A connection for one routed request: the most recently freed one (its
   * buffers are warm), or a new one. `fresh`: never one used before (a
   * retry after an idle one turned out closed).
   */
  acquire(fresh = false): Http1Connection {
    if (!fresh) {
      for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (!c.dead) return c;
    }
    const slot = this.#freeSlots.pop() ?? -1;
    const counters = slot >= 0 ? this.#counters : undefined;
    const connection = new Http1Connection(
      this.#connect(slot),
      (c) => {
        if (this.gone || this.#idle.length >= MAX_IDLE) c.destroy();
        else this.#idle.push(c);
      },
      counters ? { read: () => counters[slot], release: () => this.#freeSlots.push(slot) } : undefined,
    );
    return connection;
  }

  /** A new connection to it (WebSocket upgrades). */
  openConnection(): net.Socket {
    return this.#connect(-1);
  }

  #connect(slot: number): net.Socket {
    const [ours, theirs] = socketPair('stream');
    if (this.#counters && slot >= 0) this.#counters[slot] = 0;
    this.#port.notify(this.key, 'app.adopt', { slot }, [theirs]);
    fs.closeSync(theirs);
    return new net.Socket({ fd: ours, readable: true, writable: true });
  }

  /** It drains: idle connections go now, busy ones after their request. */
  stopAccepting(): void {
    this.accepting = false;
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
  }

  markGone(): void {
    this.gone = true;
    this.stopAccepting();
    this.#port.unlink(this.key);
  }
}
