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
import type { Socket } from 'node:net';

import { DIRECT } from './direct-traffic.js';
import { emptyDirectStats } from '../../protocol/application.js';
import type { DirectSocket } from './direct-traffic.js';
import type { DirectStats } from '../../protocol/application.js';
import { installResponseClass } from './response-class.js';

type DirectResponse = ServerResponse & { [DIRECT]?: true };

const BUSY = Symbol('weft.busy');
const SOCKET = Symbol('weft.socket');
/** A connection of the served server, with how many of its requests are in progress. */
type ServedSocket = Socket & { [BUSY]?: number };
type TrackedResponse = ServerResponse & { [SOCKET]?: ServedSocket };

export type RequestHook = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * What stands between Weft's own listeners and the app (the request engine
 * of an application process): it sees each request that came in on one of
 * Weft's listening fds before the app does, and each protocol error there.
 */
export interface EdgeHooks {
  /** False when the request was answered (or handed elsewhere) and the app must not see it. */
  /** `owesContinue`: Node left the request's Expect: 100-continue unanswered (the app listens for checkContinue). */
  admit(req: IncomingMessage, res: ServerResponse, owesContinue: boolean): boolean;
  /** A malformed request on such a connection: answered here. */
  clientError(error: NodeJS.ErrnoException, socket: Socket): void;
  /** A CONNECT request on such a connection: answered here. */
  connect(socket: Socket): void;
}

export class RequestTracker {
  #log: LogFunction;
  #hooks: RequestHook[] = [];
  #headHooks: Array<(res: ServerResponse) => void> = [];
  #endHooks: Array<(res: ServerResponse) => void> = [];
  #active = 0;
  #total = 0;
  /** Shared with the captured server, which counts the connections. */
  readonly direct: DirectStats = emptyDirectStats();
  #drainWaiters: Array<() => void> = [];
  #closeConnections = false;
  #serverHeader: string;
  #edge: EdgeHooks | null = null;
  /** The served server's HTTP connections (upgraded ones leave: they are not HTTP any more). */
  readonly connections = new Set<Socket>();

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

  /** Called when a response's head goes out, and when it closes (finished or not), in the order added. */
  addResponseHooks(hooks: { head?: (res: ServerResponse) => void; end?: (res: ServerResponse) => void }): void {
    if (hooks.head) this.#headHooks.push(hooks.head);
    if (hooks.end) this.#endHooks.push(hooks.end);
  }

  /** The `Server` header of responses from now on ('' for none); the app's own wins. */
  setServerHeader(value: string): void {
    this.#serverHeader = value;
  }

  /** What sees requests on Weft's own listeners first (null: nothing, they go straight to the app). */
  setEdge(edge: EdgeHooks | null): void {
    this.#edge = edge;
  }

  /** Whether a request is in progress on this connection. */
  busy(socket: Socket): boolean {
    return ((socket as ServedSocket)[BUSY] ?? 0) > 0;
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
      end: (res) => this.#end(res),
      head: (res) => {
        const hooks = this.#headHooks;
        for (let i = 0; i < hooks.length; i++) hooks[i](res);
      },
    });
    type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
    const target = server as unknown as { emit: Emit };
    const emit = target.emit;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper below has the server as its own this
    const tracker = this;
    // Called for every event of the server. Named parameters and call(),
    // with exactly the arguments given: http emits at most three.
    const connections = this.connections;
    // A TLS server's requests come on the TLS socket its 'secureConnection' gives, not on the raw one.
    const opened = typeof (server as { setSecureContext?: unknown }).setSecureContext === 'function' ? 'secureConnection' : 'connection';
    target.emit = function (this: http.Server, event: string | symbol, a?: unknown, b?: unknown, c?: unknown): boolean {
      if (event === opened) {
        const socket = a as Socket;
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      } else if (event === 'upgrade') {
        tracker.#total++;
        connections.delete(b as Socket);
      } else if (
        (event === 'request' || event === 'checkContinue') &&
        tracker.#edge !== null &&
        ((a as IncomingMessage).socket as DirectSocket)[DIRECT] !== undefined &&
        !tracker.#edge.admit(a as IncomingMessage, b as ServerResponse, event === 'checkContinue')
      ) {
        return true;
      } else if (event === 'clientError' && tracker.#edge !== null && (b as DirectSocket)[DIRECT] !== undefined) {
        tracker.#edge.clientError(a as NodeJS.ErrnoException, b as Socket);
        return true;
      } else if (event === 'connect' && tracker.#edge !== null && (b as DirectSocket)[DIRECT] !== undefined) {
        tracker.#edge.connect(b as Socket);
        return true;
      }
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
    const socket = req.socket as ServedSocket;
    socket[BUSY] = (socket[BUSY] ?? 0) + 1;
    (res as TrackedResponse)[SOCKET] = socket;
    if ((req.socket as DirectSocket)[DIRECT] !== undefined) {
      this.direct.requests++;
      this.direct.active++;
      (res as DirectResponse)[DIRECT] = true;
    }
    const hooks = this.#hooks;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i](req, res);
      } catch (e) {
        this.#log('error', `a request hook failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  #end(res: ServerResponse): void {
    const hooks = this.#endHooks;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i](res);
      } catch (e) {
        this.#log('error', `a response hook failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if ((res as DirectResponse)[DIRECT] === true) this.direct.active--;
    const socket = (res as TrackedResponse)[SOCKET];
    if (socket !== undefined) socket[BUSY]!--;
    this.#active--;
    if (this.#active > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
