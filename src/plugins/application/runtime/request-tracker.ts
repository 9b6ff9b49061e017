// Requests through the served server: counted, seen by Weft's hooks before
// the app's handler, and waited for when the process drains.
//
// The server's emit() is wrapped rather than a 'request' listener prepended:
// http emits 'checkContinue' or 'checkExpectation' instead of 'request' when
// the app listens for those, and adding a listener of our own for them would
// change what http does (it answers 100 Continue itself only when nobody
// listens). Wrapping sees every request whatever the app registered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';

import type { LogFunction } from './captured-server.js';

export type RequestHook = (req: IncomingMessage, res: ServerResponse) => void;

const REQUEST_EVENTS = new Set<string | symbol>(['request', 'checkContinue', 'checkExpectation']);
/** Marks a request already counted (cheaper than a WeakSet on every request). */
const SEEN = Symbol('weft.seen');

export class RequestTracker {
  #log: LogFunction;
  #serverHeader: string | undefined;
  #hooks: RequestHook[] = [];
  #active = 0;
  #total = 0;
  #drainWaiters: Array<() => void> = [];
  #closeConnections = false;

  constructor(options: { log: LogFunction; serverHeader?: string }) {
    this.#log = options.log;
    this.#serverHeader = options.serverHeader;
  }

  get stats(): { active: number; total: number } {
    return { active: this.#active, total: this.#total };
  }

  addHook(hook: RequestHook): void {
    this.#hooks.push(hook);
  }

  /** From now on every response closes its connection (the process is stopping). */
  closeConnectionsAfterResponse(): void {
    this.#closeConnections = true;
  }

  drained(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Starts counting the requests `server` emits. */
  watch(server: net.Server): void {
    type Emit = (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
    const target = server as unknown as { emit: Emit };
    const emit = target.emit;
    const tracker = this;
    // Called for every event of the server: no rest arguments, no copies.
    target.emit = function (this: net.Server, event: string | symbol): boolean {
      if (event === 'request' || REQUEST_EVENTS.has(event)) {
        // eslint-disable-next-line prefer-rest-params
        tracker.#begin(arguments[1] as IncomingMessage, arguments[2] as ServerResponse);
      } else if (event === 'upgrade') {
        tracker.#total++;
      }
      // eslint-disable-next-line prefer-rest-params
      return emit.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    } as Emit;
  }

  #begin(req: IncomingMessage, res: ServerResponse): void {
    // An app's 'checkContinue' handler may re-emit the same request as 'request'.
    const marked = req as IncomingMessage & { [SEEN]?: true };
    if (marked[SEEN]) return;
    marked[SEEN] = true;
    this.#total++;
    this.#active++;
    // 'close' comes once per response, whether it finished or the client left.
    res.once('close', () => this.#end());
    if (this.#closeConnections) res.shouldKeepAlive = false;
    if (this.#serverHeader !== undefined) res.setHeader('Server', this.#serverHeader);
    const hooks = this.#hooks;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i](req, res);
      } catch (e) {
        this.#log('error', `a request hook failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  #end(): void {
    this.#active--;
    if (this.#active > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
