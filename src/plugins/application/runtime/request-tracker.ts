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

export class RequestTracker {
  #log: LogFunction;
  #serverHeader: string | undefined;
  #hooks: RequestHook[] = [];
  #active = 0;
  #total = 0;
  #seen = new WeakSet<IncomingMessage>();
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
    target.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
      if (REQUEST_EVENTS.has(event)) tracker.#begin(args[0] as IncomingMessage, args[1] as ServerResponse);
      else if (event === 'upgrade') tracker.#total++;
      return emit.call(this, event, ...args);
    };
  }

  #begin(req: IncomingMessage, res: ServerResponse): void {
    // An app's 'checkContinue' handler may re-emit the same request as 'request'.
    if (this.#seen.has(req)) return;
    this.#seen.add(req);
    this.#total++;
    this.#active++;
    // 'close' comes once per response, whether it finished or the client left.
    res.once('close', () => this.#end());
    if (this.#closeConnections) res.shouldKeepAlive = false;
    if (this.#serverHeader !== undefined) res.setHeader('Server', this.#serverHeader);
    for (const hook of this.#hooks) {
      try {
        hook(req, res);
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
