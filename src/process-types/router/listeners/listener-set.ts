// The router's listeners. Sockets come from main (which binds them); the
// router keeps one fd of each and gives servers duplicates, so a listener
// whose kind changes (plain to TLS, new certificates) gets a new server on
// the same socket without refusing a single connection. Applying is two
// steps: prepare (get every new socket; nothing changes yet) and commit.
import fs from 'node:fs';
import net from 'node:net';

import type { Port } from '../../../kernel/ports/port.js';
import { dup } from '../../../native/index.js';
import '../../../protocol/main.js';
import { stopConnectionsChecking } from '../../../node-internals/http-private-fields.js';

export interface ListenerSpec {
  /** Unit's address text, e.g. "127.0.0.1:8080". */
  address: string;
  /** What kind of server it needs; a change makes a new server. */
  kind: string;
  backlog?: number;
}

interface Held {
  address: string;
  fd: number;
  kind: string;
  server: net.Server;
  /** A listener application processes accept: the router's own acceptor while it stands in for them. */
  standby: net.Server | undefined;
}

export interface Prepared {
  /** Sockets main gave for addresses the router did not hold, by address. */
  fresh: Map<string, number>;
}

/**
 * A removed listener's server stops accepting but keeps its connections
 * (net.Server's close; http.Server's would close the idle ones at once):
 * requests in flight finish, and the next request on an idle connection
 * is answered 408 (server-factory.ts), as Unit does. The connections end
 * by themselves (idle_timeout, or the client); then the server is closed
 * for good, which stops Node's per-server check of their timeouts.
 * What the server's maker set under ON_RETIRE runs first (a TLS server
 * closes its connections still in the handshake, as Unit does).
 */
function retire(server: net.Server): void {
  letGo(server);
  (server as RetiringServer)[ON_RETIRE]?.();
}

/**
 * Stops a server accepting; its connections stay, idle keep-alive ones
 * included (closing those at once races their clients' next requests:
 * "socket hang up"), and end by themselves.
 */
function letGo(server: net.Server): void {
  if (server.listening) net.Server.prototype.close.call(server);
  server.once('close', () => stopConnectionsChecking(server));
}

/** A server's own step when its listener is removed (set by whoever made it). */
export const ON_RETIRE = Symbol('weft.listener.onRetire');
export type RetiringServer = net.Server & { [ON_RETIRE]?: () => void };

export type ServerFactory = (address: string, kind: string, fd: number) => net.Server;

export class ListenerSet {
  #held = new Map<string, Held>();
  /** Servers let go (a listener removed, or served by another kind of server now) whose connections are still open. */
  #former = new Set<net.Server>();
  #port: Port;
  #mainPid: number;

  constructor(port: Port, mainPid: number) {
    this.#port = port;
    this.#mainPid = mainPid;
  }

  addresses(): string[] {
    return [...this.#held.keys()];
  }

  /** The router's own fd of a listener's socket (others get duplicates of it). */
  fdOf(address: string): number | undefined {
    return this.#held.get(address)?.fd;
  }

  server(address: string): net.Server | undefined {
    return this.#held.get(address)?.server;
  }

  /**
   * A listener its application's processes accept on: while they cannot
   * (none serves), the router accepts for them, so that clients are
   * answered (503 at once for an app that cannot start, or a process started
   * on demand) instead of waiting in the backlog. The router's server keeps
   * its connections when it stops standing in.
   */
  standBy(address: string, on: boolean): void {
    const held = this.#held.get(address);
    // (fd -1: stopping, the socket was let go.)
    if (!held || held.kind !== 'direct' || held.fd < 0 || on === (held.standby !== undefined)) return;
    if (!on) {
      held.standby!.close();
      held.standby = undefined;
      return;
    }
    const server = held.server;
    const acceptor = net.createServer((socket) => server.emit('connection', socket));
    acceptor.on('error', () => undefined);
    acceptor.listen({ fd: dup(held.fd) });
    held.standby = acceptor;
  }

  /** Every server with connections: the listeners' own, and those let go whose connections are still open. */
  servers(): Array<net.Server & { headersTimeout: number; keepAliveTimeout: number; timeout: number }> {
    return [...[...this.#held.values()].map((h) => h.server), ...this.#former] as Array<
      net.Server & { headersTimeout: number; keepAliveTimeout: number; timeout: number }
    >;
  }

  #keepUntilClosed(server: net.Server): void {
    this.#former.add(server);
    server.once('close', () => this.#former.delete(server));
  }

  /** Gets the sockets this set of listeners needs; throws with main's reason (address, errno). */
  async prepare(specs: Map<string, ListenerSpec>): Promise<Prepared> {
    const missing = [...specs.keys()].filter((a) => !this.#held.has(a));
    const fresh = new Map<string, number>();
    if (missing.length === 0) return { fresh };
    const backlog: Record<string, number> = {};
    for (const a of missing) {
      const b = specs.get(a)!.backlog;
      if (b !== undefined) backlog[a] = b;
    }
    const { fds } = await this.#port.call(this.#mainPid, 'main.listen', { addresses: missing, backlog });
    missing.forEach((a, i) => fresh.set(a, fds[i]));
    return { fresh };
  }

  /** Undoes prepare(): main closes the sockets it bound for it (a port a failed change asked for is free again). */
  rollback(prepared: Prepared): void {
    if (prepared.fresh.size === 0) return;
    for (const fd of prepared.fresh.values()) fs.closeSync(fd);
    void this.#port.call(this.#mainPid, 'main.listen-release', { keep: this.addresses() }).catch(() => undefined);
  }

  /** Makes the listeners exactly `specs`: new servers, changed servers, removed ones closed. */
  commit(prepared: Prepared, specs: Map<string, ListenerSpec>, factory: ServerFactory): void {
    for (const [address, held] of this.#held) {
      if (specs.has(address)) continue;
      held.standby?.close();
      retire(held.server);
      this.#keepUntilClosed(held.server);
      fs.closeSync(held.fd);
      this.#held.delete(address);
    }
    for (const [address, spec] of specs) {
      const held = this.#held.get(address);
      if (!held) {
        const fd = prepared.fresh.get(address)!;
        this.#held.set(address, { address, fd, kind: spec.kind, server: factory(address, spec.kind, dup(fd)), standby: undefined });
      } else if (held.kind !== spec.kind) {
        const old = held.server;
        held.standby?.close();
        held.standby = undefined;
        held.server = factory(address, spec.kind, dup(held.fd));
        held.kind = spec.kind;
        // The listener stays: the old server's connections go on under the configuration in force.
        letGo(old);
        this.#keepUntilClosed(old);
      }
    }
    // Sockets that no listener uses any more are closed in main too.
    void this.#port.call(this.#mainPid, 'main.listen-release', { keep: [...specs.keys()] }).catch(() => undefined);
  }

  /**
   * Accepts no more connections on any listener (a graceful stop); the
   * servers keep the connections they have. The sockets are let go here, so
   * once every process has, new clients are refused (and go elsewhere).
   */
  stopAccepting(): void {
    for (const held of this.#held.values()) {
      held.standby?.close();
      held.standby = undefined;
      // net.Server's own close: http.Server's would also close idle keep-alive
      // connections at once, racing their clients' next requests.
      if (held.server.listening) net.Server.prototype.close.call(held.server);
      try {
        fs.closeSync(held.fd);
      } catch {
        // already closed
      }
      held.fd = -1;
    }
  }

  closeAll(): void {
    for (const held of this.#held.values()) {
      held.standby?.close();
      held.server.close();
      if (held.fd >= 0) fs.closeSync(held.fd);
    }
    this.#held.clear();
    for (const server of this.#former) server.close();
  }
}
