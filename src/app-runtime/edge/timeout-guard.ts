// limits.timeout for the requests an application process takes itself. A
// request still unanswered at its deadline gets 503 (or, if its answer had
// begun, loses its connection), and the process asks main to replace it:
// Unit restarts a process that exceeds the limit. That works while the
// event loop runs; a handler stuck in a loop blocks the loop, and with it
// every timer here, so a native watchdog thread (native/watchdog.h) reads
// the same table, and when the loop has stopped beating it sends the 503
// itself and ends the process with WATCHDOG_EXIT_CODE.
//
// Per request this is a slot in the table, set when the request is admitted
// and changed by the host's response hooks (head, end): no closure or
// listener per request.
import type { ServerResponse } from 'node:http';
import type net from 'node:net';

import { startWatchdog } from '../../native/index.js';
import { errorPage } from '../../request/error-page.js';
import { errorResponse } from '../../request/error-response.js';
import type { RequestContext } from '../../request/request-context.js';
import { WATCHDOG_EXIT_CODE } from '../../protocol/application.js';

/** Requests watched at once; more than that are watched by the loop's timers only. */
const SLOTS = 1024;
/** How often the loop beats (and checks deadlines itself). */
const BEAT_MS = 100;
/** A loop that has not beaten for this long is stuck. */
const STALL_MS = 1000;

const FREE = 0;
const WAITING = 1;
const ANSWERING = 2;

const SLOT = Symbol('weft.timeout-slot');
type Watched = ServerResponse & { [SLOT]?: number };

export class TimeoutGuard {
  readonly timeoutMs: number;
  /** [0] heartbeat, then per slot: deadline, fd, state (as the watchdog reads it). */
  #table = new Float64Array(1 + 3 * SLOTS);
  #contexts: Array<RequestContext | undefined> = new Array(SLOTS);
  #free: number[] = [];
  #beat: NodeJS.Timeout | undefined;
  #watching = false;
  #serverHeader: string;
  #expired: () => void;

  /** `expired`: a request ran past its deadline (the process is to be replaced). */
  constructor(timeoutMs: number, serverHeader: string, expired: () => void) {
    this.timeoutMs = timeoutMs;
    this.#serverHeader = serverHeader;
    this.#expired = expired;
    for (let i = SLOTS - 1; i >= 0; i--) this.#free.push(i);
  }

  /** Watches one request until its response closes (the host's end hook calls end()). */
  watch(ctx: RequestContext): void {
    this.#start();
    const slot = this.#free.pop();
    const res = ctx.res as Watched;
    if (slot === undefined) {
      // The table is full: the loop's own timer (only while the loop runs).
      const timer = setTimeout(() => this.#expire(ctx), this.timeoutMs);
      res.once('close', () => clearTimeout(timer));
      return;
    }
    const base = 1 + 3 * slot;
    const fd = (ctx.req.socket as net.Socket & { _handle?: { fd?: number } })._handle?.fd;
    this.#table[base] = performance.now() + this.timeoutMs;
    this.#table[base + 1] = typeof fd === 'number' ? fd : -1;
    this.#table[base + 2] = WAITING;
    this.#contexts[slot] = ctx;
    res[SLOT] = slot;
  }

  /** A response's head goes out: past its deadline it is cut, not answered 503. */
  head(res: ServerResponse): void {
    const slot = (res as Watched)[SLOT];
    if (slot !== undefined && this.#contexts[slot]?.res === res) this.#table[1 + 3 * slot + 2] = ANSWERING;
  }

  /** A response closed. */
  end(res: ServerResponse): void {
    const slot = (res as Watched)[SLOT];
    if (slot === undefined || this.#contexts[slot]?.res !== res) return;
    this.#table[1 + 3 * slot + 2] = FREE;
    this.#contexts[slot] = undefined;
    this.#free.push(slot);
  }

  #start(): void {
    if (this.#beat) return;
    this.#table[0] = performance.now();
    this.#beat = setInterval(() => this.#tick(), BEAT_MS);
    this.#beat.unref();
    if (this.#watching) return;
    this.#watching = true;
    const body = errorPage(503);
    const response = Buffer.from(
      `HTTP/1.1 503 Service Unavailable\r\nServer: ${this.#serverHeader}\r\nContent-Type: text/html\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      'latin1',
    );
    startWatchdog({ table: this.#table, slots: SLOTS, intervalMs: BEAT_MS, stallMs: STALL_MS, exitCode: WATCHDOG_EXIT_CODE, response });
  }

  #tick(): void {
    const now = performance.now();
    this.#table[0] = now;
    for (let slot = 0; slot < SLOTS; slot++) {
      const base = 1 + 3 * slot;
      if (this.#table[base + 2] === FREE || this.#table[base] > now) continue;
      const ctx = this.#contexts[slot];
      this.#table[base + 2] = FREE;
      this.#contexts[slot] = undefined;
      this.#free.push(slot);
      if (ctx) this.#expire(ctx);
    }
  }

  #expire(ctx: RequestContext): void {
    ctx.log('error', `a request did not get its answer within ${this.timeoutMs / 1000} s (limits.timeout)`);
    errorResponse(ctx, 503);
    this.#expired();
  }

  stop(): void {
    if (this.#beat) clearInterval(this.#beat);
    this.#beat = undefined;
    // The native thread stays (it cannot be stopped): with nothing in its table it never acts.
    for (let slot = 0; slot < SLOTS; slot++) this.#table[1 + 3 * slot + 2] = FREE;
  }
}
