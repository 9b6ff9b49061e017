// Requests through the served server: counted, seen by Weft's hooks before
// the app's handler, and waited for when the process drains.
//
// Requests are seen through the server's response class (response-class.ts):
// one response per request, made before http emits 'request' or, when the
// app listens for them, 'checkContinue'/'checkExpectation'; a listener of our
// own for those would change what http does (it answers 100 Continue itself
// only when nobody listens). Upgrades make no response: the server's emit()
// is wrapped to count them, since an 'upgrade' listener of ours would make
// http accept upgrades the app does not handle.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type http from 'node:http';

import type { LogFunction } from './captured-server.js';
import { installResponseClass } from './response-class.js';

export type RequestHook = (req: IncomingMessage, res: ServerResponse) => void;

export class RequestTracker {
  #log: LogFunction;
  #hooks: RequestHook[] = [];
  #active = 0;
  #total = 0;
  #drainWaiters: Array<() => void> = [];
  #closeConnections = false;
  #serverHeader: string;

  constructor(options: { log: LogFunction; serverHeader?: string }) {
    this.#log = options.log;
    this.#serverHeader = options.serverHeader ?? '';
  }

  get stats(): { active: number; total: number } {
    return { active: this.#active, total: this.#total };
  }

  addHook(hook: RequestHook): void {
    this.#hooks.push(hook);
  }

  /** The `Server` header of responses from now on ('' for none); the app's own wins. */
  setServerHeader(value: string): void {
    this.#serverHeader = value;
  }

  /** From now on every response closes its connection (the process is stopping). */
  closeConnectionsAfterResponse(): void {
    this.#closeConnections = true;
  }

  drained(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Starts counting the requests `server` serves. */
  watch(server: http.Server): void {
    installResponseClass(server, {
      serverHeader: () => this.#serverHeader,
      keepAlive: () => !this.#closeConnections,
      begin: (req, res) => this.#begin(req, res),
      end: () => this.#end(),
    });
    type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
    const target = server as unknown as { emit: Emit };
    const emit = target.emit;
    const tracker = this;
    // Called for every event of the server. Named parameters and call(),
    // with exactly the arguments given: http emits at most three.
    target.emit = function (this: http.Server, event: string | symbol, a?: unknown, b?: unknown, c?: unknown): boolean {
      if (event === 'upgrade') tracker.#total++;
      switch (arguments.length) {
        case 1:
          return emit.call(this, event);
        case 2:
          return emit.call(this, event, a);
        case 3:
          return emit.call(this, event, a, b);
        case 4:
          return emit.call(this, event, a, b, c);
        default:
          // eslint-disable-next-line prefer-rest-params
          return emit.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
      }
    } as Emit;
  }

  #begin(req: IncomingMessage, res: ServerResponse): void {
    this.#total++;
    this.#active++;
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
