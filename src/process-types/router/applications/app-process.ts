// One application process as a router sees it: the channel main gave it to
// the process, whether it takes new work, the requests it holds, and the
// routed connections to it: each a socketpair whose other end is handed to
// the process, which serves HTTP on it like on an accepted connection.
import fs from 'node:fs';
import net from 'node:net';

import type { Port } from '../../../kernel/ports/port.js';
import { sharedMemory, socketPair } from '../../../native/index.js';
import { FrameConnection } from '../../../transport/frames/index.js';
import { Http1Connection } from '../../../transport/http1-connection.js';
import type { ReadCounter } from '../../../transport/http1-connection.js';
import '../../../protocol/application.js';

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
  #idleFrames: Array<{ connection: FrameConnection; counter: ReadCounter | undefined }> = [];
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
    const counter = this.#counter();
    return new Http1Connection(
      this.#connect(counter?.slot ?? -1, 'http'),
      (c) => {
        if (this.gone || this.#idle.length >= MAX_IDLE) c.destroy();
        else this.#idle.push(c);
      },
      counter,
    );
  }

  /** The same for a process that speaks Weft's frames (src/transport/frames/). */
  acquireFrames(): { connection: FrameConnection; counter: ReadCounter | undefined } {
    for (let c = this.#idleFrames.pop(); c; c = this.#idleFrames.pop()) if (c.connection.idle) return c;
    const counter = this.#counter();
    const entry: { connection: FrameConnection; counter: ReadCounter | undefined } = {
      connection: new FrameConnection(this.#connect(counter?.slot ?? -1, 'frames'), (c) => {
        if (this.gone || this.#idleFrames.length >= MAX_IDLE) c.destroy();
        else this.#idleFrames.push(entry);
      }),
      counter,
    };
    entry.connection.socket.once('close', () => counter?.release());
    return entry;
  }

  /** A new connection to it (WebSocket upgrades). */
  openConnection(transport: 'http' | 'frames' = 'http'): net.Socket {
    return this.#connect(-1, transport);
  }

  /** A counter of the requests the process reads on one connection, when one is free. */
  #counter(): (ReadCounter & { slot: number }) | undefined {
    const counters = this.#counters;
    const slot = this.#freeSlots.pop();
    if (!counters || slot === undefined) return undefined;
    counters[slot] = 0;
    let released = false;
    return {
      slot,
      read: () => counters[slot],
      release: () => {
        if (released) return;
        released = true;
        this.#freeSlots.push(slot);
      },
    };
  }

  #connect(slot: number, transport: 'http' | 'frames'): net.Socket {
    const [ours, theirs] = socketPair('stream');
    this.#port.notify(this.key, 'app.adopt', transport === 'http' ? { slot } : { slot, transport }, [theirs]);
    fs.closeSync(theirs);
    return new net.Socket({ fd: ours, readable: true, writable: true });
  }

  /**
   * Hands it a client's connection (the fd; the router's copy is the
   * caller's to close) with what was read of it. False when its channel is
   * gone: the connection stays the router's.
   */
  takeConnection(address: string, head: Buffer, fd: number): boolean {
    if (this.gone) return false;
    // A full queue still sends (its copy of the fd waits with it); only a closed channel does not.
    return this.#port.notify(this.key, 'app.take-connection', { address, head: head.toString('base64') }, [fd]) || this.#port.has(this.key);
  }

  /** It drains: idle connections go now, busy ones after their request. */
  stopAccepting(): void {
    this.accepting = false;
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
    for (const c of this.#idleFrames) c.connection.destroy();
    this.#idleFrames = [];
  }

  markGone(): void {
    this.gone = true;
    this.stopAccepting();
    this.#port.unlink(this.key);
  }
}
