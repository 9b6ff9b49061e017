// The app side of an application process: runs the user's Node app as it is
// and serves Weft's traffic through the HTTP server the app creates.
//
// install() takes over net.Server.prototype.listen for HTTP(S) servers: their
// listen() binds nothing, the server is captured (captured-server.ts) and
// behaves as a listening one. The first one captured gets the traffic:
// connections accepted on the listening fds Weft hands over (listenOn, direct
// mode) or connected sockets from Weft's router (adopt, routed mode), given
// to the server as Node's docs describe for injected connections, so the app
// sees Node's own IncomingMessage/ServerResponse, upgrades included.
import fs from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

import { AppHostError, AppHostErrorCodes } from './app-host-error.js';
import { mapUnitHttpForEntry, runEntry } from './app-loader.js';
import type { DirectStats } from '../../protocol/application.js';
import type { AppSpec } from './app-loader.js';
import { CapturedServer } from './captured-server.js';
import type { LogFunction } from './captured-server.js';
import { interceptListen } from './listen-interception.js';
import type { ListenInterception } from './listen-interception.js';
import { describeRequest, parseListenArgs } from './listen-request.js';
import { internalsOf } from './net-internals.js';
import { RequestTracker } from './request-tracker.js';
import { sweepIdle } from '../../request/idle-sweep.js';
import { responseClassKey } from './response-class.js';
import { checkNodeInternals } from '../../node-internals/check.js';
import type { EdgeHooks, RequestHook } from './request-tracker.js';
import { mapUnitHttpForRequire } from './unit-http.js';

export interface AppHostOptions {
  log: LogFunction;
  /** The `Server` header of every response the app does not give one of its own; setServerHeader() changes it. */
  serverHeader?: string;
}

interface ReadyWaiter {
  resolve(): void;
  reject(e: Error): void;
}

export class AppHost {
  #log: LogFunction;
  #configureServer: ((server: http.Server) => void) | undefined;
  #draining = false;
  #tracker: RequestTracker;
  #interception: ListenInterception | undefined;
  #captured = new WeakMap<net.Server, CapturedServer>();
  #primary: CapturedServer | undefined;
  #ready = false;
  #readyWaiters: ReadyWaiter[] = [];
  #failure: Error | undefined;
  #entry: string | undefined;
  #loading = false;
  #queued: Array<{ fd: number; mark: ((socket: net.Socket) => void) | undefined }> = [];
  #warnedTls = false;

  constructor(options: AppHostOptions) {
    this.#log = options.log;
    this.#tracker = new RequestTracker({ log: options.log, serverHeader: options.serverHeader });
  }

  /**
   * Before any user code runs: take over listen() of HTTP servers, and make
   * unit-http resolvable. Then either loadApp() runs the app, or node runs
   * the main script itself after the preload (either way works).
   */
  install(): void {
    if (this.#interception) throw stateError('install() was already called');
    // --require preloads run again in every worker thread, Node's own
    // module-hooks thread included: the host belongs to the main thread only.
    if (!isMainThread) throw stateError('install() outside the main thread: a preload must skip worker threads');
    // Every Node internal the host builds on, probed before any user code
    // runs: a missing one is a coded refusal now, not a TypeError in the app.
    checkNodeInternals('application', (message) => this.#log('warn', message));
    if (responseClassKey() === undefined) {
      throw new AppHostError(
        AppHostErrorCodes.UNSUPPORTED_NODE,
        `Node ${process.version} keeps no http.Server response class Weft can extend`,
      );
    }
    // The classes as they are now: an app may later replace http's exports (Unit's recipe did).
    const HttpServer = http.Server;
    // node:https (with tls and crypto: ~17 ms and 1.2 MiB) loads only when a
    // server that is no http.Server listens: an app that made an https one
    // has loaded it already.
    let HttpsServer: typeof https.Server | undefined;
    this.#interception = interceptListen((server, args) => {
      if (server instanceof HttpServer) return this.#capture(server, args, false);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      HttpsServer ??= (require('node:https') as typeof https).Server;
      if (server instanceof HttpsServer) return this.#capture(server, args, true);
      if (/^Http2(Secure)?Server$/.test(server.constructor.name)) {
        this.#log('warn', 'an HTTP/2 server called listen(): Weft serves HTTP/1.1 servers only, so it binds its own address as Node would');
      }
      return false;
    });
    mapUnitHttpForRequire();
    // When node runs the main script itself (this host preloaded, no
    // loadApp()), argv[1] is that script: an ES module importing unit-http
    // needs its hook now, before node loads it.
    if (process.argv[1]) mapUnitHttpForEntry(process.argv[1]);
  }

  /**
   * Loads the user's entry as node would run it as the main module (CommonJS
   * or ES module). Rejects with an AppHostError naming the file and the cause
   * when it cannot be loaded or throws while starting; for ES modules it
   * resolves once top-level await has settled, so do not wait for it before
   * serverReady(): an app may await forever after it listened.
   */
  async loadApp(spec: AppSpec): Promise<void> {
    if (this.#loading) throw stateError('loadApp() was already called: a process runs one app');
    this.#loading = true;
    this.#entry = path.resolve(spec.script);
    try {
      this.#entry = await runEntry(spec);
    } catch (e) {
      // An app that failed to start will not listen: whoever waits for it hears why now.
      this.#fail(e as Error);
      throw e;
    }
  }

  /**
   * Resolves once the app's first HTTP server is listening (listen() was
   * called and its 'listening' event emitted). Rejects after timeoutMs, or as
   * soon as loadApp() fails.
   */
  serverReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const entry = this.#entry ?? process.argv[1];
        const app = entry ? `the app "${entry}"` : 'the app';
        reject(
          new AppHostError(
            AppHostErrorCodes.NO_LISTEN,
            `did not listen within ${timeoutMs / 1000} s (${app} never called listen() on an HTTP server)`,
            { file: entry },
          ),
        );
      }, timeoutMs);
      this.#whenReady().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /**
   * Direct mode: accepts connections on a listening socket fd (TCP or unix,
   * shared with other processes) for the app's server. Takes ownership of
   * the fd. Waits for the app's server if it is not listening yet. `backlog`
   * is passed to listen(2) again (node always calls it; default 511); `tag`
   * marks the connections accepted there (for the edge: which listener).
   */
  async listenOn(fd: number, options: { backlog?: number; tag?: string } = {}): Promise<void> {
    checkFd(fd);
    let primary: CapturedServer;
    try {
      await this.#whenReady();
      primary = this.#primary!;
      if (!primary.listening) throw stateError(`listenOn(${fd}): the app closed its server`);
    } catch (e) {
      closeQuietly(fd);
      throw e;
    }
    this.#configureServer?.(primary.server as http.Server);
    // From here node owns the fd (and closes it with its handle).
    await primary.acceptOn(fd, options.backlog, options.tag ?? String(fd), this.#interception!.original);
  }

  /**
   * Routed mode: serves HTTP on a connected stream socket fd as if the app's
   * server had accepted it. Takes ownership. `mark` is called with the
   * socket before the server sees it (to tag it for request hooks).
   */
  adopt(fd: number, mark?: (socket: net.Socket) => void): void {
    checkFd(fd);
    const primary = this.#primary;
    if (primary && this.#ready && !primary.listening) {
      this.#log('warn', 'a connection was handed over after the app closed its server: closed');
      closeQuietly(fd);
      return;
    }
    if (!primary?.accepting) {
      // Not listening yet: the connection waits (its bytes wait in the socket).
      this.#queued.push({ fd, mark });
      return;
    }
    const socket = primary.socketFor(fd);
    mark?.(socket);
    primary.deliver(socket);
  }

  /**
   * A client's connection accepted elsewhere (the router read its first
   * bytes, `head`, to route it here): served as if accepted on listener
   * `tag`, `head` read first. Takes ownership of the fd only when it
   * returns true; false: the app's server does not take connections now.
   */
  adoptAccepted(fd: number, tag: string, head: Buffer): boolean {
    checkFd(fd);
    const primary = this.#primary;
    if (!primary?.accepting) return false;
    const socket = primary.socketFor(fd);
    if (head.length > 0) socket.unshift(head);
    primary.acceptDirect(socket, tag);
    return true;
  }

  /**
   * Stops accepting on the listening fds given so far (direct mode; a later
   * listenOn() accepts again, e.g. on new fds after a reconfiguration).
   * Connections and requests in flight go on, and adopt() still serves what
   * the router hands over.
   *
   * With `drain` (graceful stop, recycling), also closes idle keep-alive
   * connections now and makes every later response close its connection,
   * so that drained() is reached, and stays reached, even with clients that
   * keep their connections busy. Draining is one way.
   */
  async stopAccepting(options: { drain?: boolean } = {}): Promise<void> {
    this.#primary?.stopAccepting();
    if (!options.drain || this.#draining) return;
    this.#draining = true;
    this.#tracker.closeConnectionsAfterResponse();
    // An idle keep-alive connection closed at once races its client's next
    // request (which then fails with a reset). A client that is sending gets
    // "Connection: close" on its next response and goes; only connections
    // still idle after a grace period are closed.
    const primary = this.#primary;
    if (!primary) return;
    const tracker = this.#tracker;
    const timer = sweepIdle(tracker.connections, (s) => tracker.busy(s));
    void primary.whenNoConnections().then(() => clearInterval(timer));
  }

  /** Resolves when no request is in flight and, once draining, no connection is open. */
  async drained(): Promise<void> {
    await this.#tracker.drained();
    // Exiting with an idle connection open would reset a request its client is sending.
    if (this.#draining && this.#primary) await this.#primary.whenNoConnections();
  }

  /** Requests in flight, and served so far (WebSocket upgrades count in `total`). */
  get stats(): { active: number; total: number } {
    return this.#tracker.stats;
  }

  /** What came in on the listening fds of direct mode (the router never sees it). */
  get directStats(): Readonly<DirectStats> {
    return this.#tracker.direct;
  }

  /**
   * Direct mode: what sees the requests on Weft's own listening fds before
   * the app (the request engine), and how it sets up the app's server for
   * them (timeouts, parser limits); null: nothing (routed mode).
   */
  setEdge(edge: (EdgeHooks & { configureServer(server: http.Server): void }) | null): void {
    this.#tracker.setEdge(edge);
    this.#configureServer = edge ? (server) => edge.configureServer(server) : undefined;
    if (edge && this.#primary) edge.configureServer(this.#primary.server as http.Server);
  }

  /** The `Server` header from now on ('' for none); the app's own wins. */
  setServerHeader(value: string): void {
    this.#tracker.setServerHeader(value);
  }

  /** Called when each response's head goes out (`head`) and when it closes (`end`). */
  onResponse(hooks: { head?: (res: ServerResponse) => void; end?: (res: ServerResponse) => void }): void {
    this.#tracker.addResponseHooks(hooks);
  }

  /** Called for every request before the app's handler sees it, in the order added. */
  onRequest(hook: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.#tracker.addHook(hook as RequestHook);
  }

  #capture(server: net.Server, args: unknown[], tls: boolean): boolean {
    // A second listen() without close(): node's own listen throws ERR_SERVER_ALREADY_LISTEN.
    if (internalsOf(server)._handle) return false;
    const request = parseListenArgs(args);
    let captured = this.#captured.get(server);
    if (!captured) {
      captured = new CapturedServer(server, tls, {
        listening: (c) => this.#listening(c),
        closed: (c) => this.#closed(c),
        log: this.#log,
        direct: this.#tracker.direct,
      });
      this.#captured.set(server, captured);
    }
    const primary = this.#primary;
    if (!primary) {
      this.#primary = captured;
      this.#tracker.watch(server as http.Server);
      this.#log('info', `the app listens on ${describeRequest(request)}: Weft serves this server`);
      if (tls) this.#warnTls();
    } else if (primary !== captured) {
      this.#logSecondary(primary, request);
    }
    captured.listen(request);
    return true;
  }

  #logSecondary(primary: CapturedServer, request: ReturnType<typeof parseListenArgs>): void {
    const first = primary.request!;
    const sameAddress = request.path === undefined && first.path === undefined && request.port === first.port;
    if (sameAddress) {
      // Fastify listens again on the same port for the other address of
      // "localhost" (127.0.0.1 and ::1), with a second server on the same handler.
      this.#log('info', `the app also listens on ${describeRequest(request)}: another address of its server, served through the first`);
      return;
    }
    this.#log(
      'warn',
      `the app listens with a second HTTP server on ${describeRequest(request)}: Weft serves only its first server ` +
        `(${describeRequest(first)}), so this one gets no traffic`,
    );
  }

  #warnTls(): void {
    if (this.#warnedTls) return;
    this.#warnedTls = true;
    this.#log(
      'warn',
      'the app\'s server is an https.Server: Weft ends TLS in its router (a listener\'s "tls"), so the server gets ' +
        'plain HTTP connections and its own key and certificate are not used',
    );
  }

  #listening(captured: CapturedServer): void {
    if (captured !== this.#primary) return;
    this.#ready = true;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    for (const q of this.#queued.splice(0)) this.adopt(q.fd, q.mark);
  }

  #closed(captured: CapturedServer): void {
    if (captured !== this.#primary) return;
    this.#log('notice', 'the app closed its server: Weft stopped accepting connections for it');
  }

  #fail(error: Error): void {
    if (this.#ready) return;
    this.#failure = error;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
  }

  #whenReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }
}

function stateError(message: string): AppHostError {
  return new AppHostError(AppHostErrorCodes.STATE, message);
}

function checkFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`an fd must be a non-negative integer, got ${String(fd)}`);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed, or owned by a handle that closed it
  }
}
