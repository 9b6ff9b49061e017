// The router's configuration in force and how a new one replaces it: all
// or nothing. Every new socket, the access log and the applications are
// obtained first, then the switch happens at once; requests already running
// finish under the configuration they started with, because each took its
// own reference to it.
import fs from 'node:fs';
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';

import { RELAYED, relayedClient } from './http/relayed.js';
import { KEEP } from './listeners/connection-handoff.js';
import type { GatedSocket } from './listeners/connection-handoff.js';

import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import { compileConfiguration } from './configuration.js';
import type { Configuration } from './configuration.js';
import { AppDirectory } from './applications/app-directory.js';
import { ListenerSet } from './listeners/listener-set.js';
import type { Prepared, ServerFactory } from './listeners/listener-set.js';
import type { AppServing } from '../../protocol/application.js';
import type { RouterStatus } from '../../protocol/router.js';
import { Counters } from './status/counters.js';
import { sweepIdle } from '../../request/idle-sweep.js';
import { RouterMetrics } from './status/router-metrics.js';
import { trimWhenQuiet } from '../../kernel/memory/trim-when-quiet.js';

/** How long a connection handed to a router that has no configuration yet waits for one. */
const EARLY_WAIT_MS = 10000;

/** Does a configuration have a listener the routers accept themselves (not its application's processes)? */
function accepting(config: Configuration): boolean {
  for (const spec of config.listenerSpecs.values()) if (spec.kind !== 'direct') return true;
  return false;
}

export class RouterState {
  readonly counters = new Counters();
  readonly metrics: RouterMetrics;
  readonly listeners: ListenerSet;
  readonly directory: AppDirectory;
  #current: Configuration | null = null;
  #raw: unknown = undefined;
  #pending: { next: Configuration; prepared: Prepared; raw: unknown } | null = null;
  /** Connections handed over before the first configuration, and their fds. */
  #early: Array<() => void> = [];
  #earlyFds: number[] = [];
  #log: Logger;
  #port: Port;
  #mainPid: number;
  #version: string;
  #factory: (state: RouterState) => ServerFactory;

  #startDir: string;

  constructor(options: {
    port: Port;
    mainPid: number;
    log: Logger;
    version: string;
    /** weftd's working directory: what a relative "share" is read from. */
    startDir: string;
    factory: (state: RouterState) => ServerFactory;
  }) {
    this.#startDir = options.startDir;
    this.listeners = new ListenerSet(options.port, options.mainPid);
    this.#log = options.log;
    this.#port = options.port;
    this.#mainPid = options.mainPid;
    this.#version = options.version;
    this.#factory = options.factory;
    this.directory = new AppDirectory({ port: options.port, mainPid: options.mainPid, log: options.log });
    this.directory.on('serving', (app) => this.#standBy(app));
    this.metrics = new RouterMetrics(this.directory);
  }

  get current(): Configuration | null {
    return this.#current;
  }

  /**
   * Step one of applying a configuration: compile it and get everything it
   * needs (sockets, the access log, TLS contexts and, for the leading router,
   * the applications), changing nothing yet. Answers how the applications
   * serve (for the other router workers). A configuration equal to the one
   * in force is not applied again, unless `force`d (its TLS bundles changed).
   */
  async prepare(
    raw: unknown,
    serving?: Record<string, AppServing>,
    force = false,
  ): Promise<{ serving: Record<string, AppServing>; accepting: boolean }> {
    this.abandon();
    if (!force && this.#current && isDeepStrictEqual(raw, this.#raw))
      return { serving: this.#current.serving, accepting: accepting(this.#current) };
    const next = compileConfiguration(raw, {
      log: this.#log,
      port: this.#port,
      mainPid: this.#mainPid,
      version: this.#version,
      startDir: this.#startDir,
      directory: this.directory,
    });
    try {
      await next.prepare(this.#current, serving);
    } catch (e) {
      next.abandon();
      throw e;
    }
    let prepared;
    try {
      prepared = await this.listeners.prepare(next.listenerSpecs);
    } catch (e) {
      next.abandon();
      throw e;
    }
    this.#pending = { next, prepared, raw };
    return { serving: next.serving, accepting: accepting(next) };
  }

  /** Step two: the prepared configuration is in force (nothing left to fail but main's commit). */
  async commit(): Promise<void> {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    const { next, prepared, raw } = pending;
    const previous = this.#current;
    this.#current = next;
    this.#raw = raw;
    this.listeners.commit(prepared, next.listenerSpecs, this.#factory(this));
    await next.activate();
    for (const server of this.listeners.servers()) {
      server.headersTimeout = next.http.headerReadTimeoutMs;
      server.keepAliveTimeout = next.http.idleTimeoutMs;
      (server as unknown as { maxHeaderSize: number }).maxHeaderSize = next.http.maxHeaderSize;
      server.timeout = next.http.sendTimeoutMs;
    }
    previous?.retire(next);
    for (const app of next.direct.keys()) this.#standBy(app);
    this.#earlyFds = [];
    for (const serve of this.#early.splice(0)) serve();
    // The previous configuration is garbage now: the C heap it held goes back once quiet.
    trimWhenQuiet();
  }

  /** The prepared configuration is not applied after all (another router could not take it). */
  abandon(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    pending.next.abandon();
    trimWhenQuiet();
    this.listeners.rollback(pending.prepared);
  }

  /** The router accepts on an application's listeners while none of its processes can. */
  #standBy(app: string): void {
    const addresses = this.#current?.direct.get(app) ?? [];
    const on = !this.directory.serving(app);
    for (const address of addresses) this.listeners.standBy(address, on);
  }

  /**
   * A connection an application process accepted on one of its listeners
   * and hands over for requests that are not its app's: served as if its
   * client had connected here. `clientFd` is the client's own socket, for
   * who the client is (relayed.ts); closed here. A relay whose client socket
   * is not one accepted on that listener is refused.
   */
  acceptRelay(address: string, fd: number, clientFd: number): void {
    this.#serve(address, [fd, clientFd], (socket) => {
      const remote = relayedClient(clientFd, this.listeners.fdOf(address) ?? -1);
      if (remote === undefined) {
        this.#log.warn(`refused a relayed connection for ${address}: its client socket was not accepted on that listener`);
        return false;
      }
      socket[RELAYED] = remote;
      return true;
    });
  }

  /**
   * A client connection handed to an application process that the process
   * could not serve: the router serves it, `head` (what it had read of it)
   * first.
   */
  acceptHandedBack(address: string, head: Buffer, fd: number): void {
    this.#serve(address, [fd], (socket) => {
      socket[KEEP] = true;
      if (head.length > 0) socket.unshift(head);
      return true;
    });
  }

  /**
   * A connected fd (the first of `fds`; the others are closed once `mark`
   * has run) served on `address`'s server (closed when the listener is
   * gone, or when `mark` refuses it). One that comes before this router's
   * first configuration (a worker that has just started, which application
   * processes link to at once) waits for it.
   */
  #serve(address: string, fds: number[], mark: (socket: GatedSocket) => boolean): void {
    if (this.#current === null) {
      this.#early.push(() => this.#serve(address, fds, mark));
      if (this.#early.length === 1) {
        setTimeout(() => {
          // Not configured after all this time: what waited is let go.
          if (this.#current !== null) return;
          for (const fd of this.#earlyFds.splice(0)) fs.closeSync(fd);
          this.#early = [];
        }, EARLY_WAIT_MS).unref();
      }
      this.#earlyFds.push(...fds);
      return;
    }
    const [fd, ...others] = fds;
    const server = this.listeners.server(address);
    if (!server) {
      for (const f of fds) fs.closeSync(f);
      return;
    }
    const socket = new net.Socket({ fd, readable: true, writable: true }) as GatedSocket;
    const keep = mark(socket);
    for (const f of others) fs.closeSync(f);
    if (!keep) {
      socket.destroy();
      return;
    }
    server.emit('connection', socket);
  }

  /** Set by a graceful stop: every answer closes its connection. */
  draining = false;

  /** A graceful stop (see 'router.drain'): resolves once no connection is open, or after graceMs. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.listeners.stopAccepting();
    // Idle keep-alive connections get a grace (a client may be sending on one), then go.
    const sweep = sweepIdle(this.counters.sockets, (s) => this.counters.busy(s));
    this.#log.info(`router draining: ${this.counters.open} connections open, ${this.counters.busyConnections} with a request in progress`);
    const deadline = Date.now() + graceMs;
    try {
      while (this.counters.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      clearInterval(sweep);
    }
    if (this.counters.open > 0) this.#log.warn(`drained for ${graceMs} ms: ${this.counters.open} connections still open`);
  }

  status(): RouterStatus {
    return { connections: this.counters.connections(), requests: { total: this.counters.requests } };
  }
}
