// One HTTP(S) server whose listen() the host captured. Nothing is bound: the
// server holds a stand-in handle, so Node's own listening/address()/close()/
// ref()/unref() work on it, and it is fed connections by hand, the way Node's
// docs describe for injecting connections: `server.emit('connection',
// socket)`. Connections come from acceptors (hidden net.Servers listening on
// the fds Weft hands over) or from sockets Weft's router connected.
import net from 'node:net';

import { DIRECT } from './direct-traffic.js';
import type { DirectSocket } from './direct-traffic.js';
import type { DirectStats } from '../../protocol/application.js';
import type { ListenRequest } from './listen-request.js';
import { addressFor } from './listen-request.js';
import { connectionOptionsOf, internalsOf } from './net-internals.js';
import { StandInHandle } from './stand-in-handle.js';

export type LogFunction = (level: 'error' | 'warn' | 'notice' | 'info', message: string) => void;
export type OriginalListen = (this: net.Server, ...args: unknown[]) => net.Server;

export interface CapturedServerEvents {
  /** 'listening' was emitted: connections may be delivered from now on. */
  listening(captured: CapturedServer): void;
  /** The app closed the server (or its listen signal aborted). */
  closed(captured: CapturedServer): void;
  log: LogFunction;
  /** Counters of the connections accepted on Weft's fds. */
  direct: DirectStats;
}

export class CapturedServer {
  readonly server: net.Server;
  /**
   * An https.Server. Weft ends TLS in its router, so what reaches the app is
   * plain HTTP: connections go straight to the server's HTTP side (the
   * 'secureConnection' listener https.Server installs), not to its TLS one.
   */
  readonly tls: boolean;
  #events: CapturedServerEvents;
  #request: ListenRequest | undefined;
  #handle: StandInHandle | undefined;
  #acceptors = new Set<net.Server>();
  #noConnections: Array<() => void> = [];
  #accepting = false;

  constructor(server: net.Server, tls: boolean, events: CapturedServerEvents) {
    this.server = server;
    this.tls = tls;
    this.#events = events;
  }

  /** What the app asked for in its latest listen(). */
  get request(): ListenRequest | undefined {
    return this.#request;
  }

  /** Listening as the app sees it: listen() called, close() not yet. */
  get listening(): boolean {
    return this.#handle !== undefined && internalsOf(this.server)._handle === this.#handle;
  }

  /** Listening, and 'listening' has been emitted (http sets up its connection tracking then). */
  get accepting(): boolean {
    return this.#accepting && this.listening;
  }

  /** Does what net.Server.listen() does, short of binding: the handle now, 'listening' on the next tick. */
  listen(request: ListenRequest): void {
    this.#request = request;
    const internals = internalsOf(this.server);
    const address = addressFor(request);
    const handle = new StandInHandle(typeof address === 'string' ? null : address, {
      close: () => this.#handleClosed(handle),
      ref: () => this.#acceptors.forEach((a) => a.ref()),
      unref: () => this.#acceptors.forEach((a) => a.unref()),
    });
    this.#handle = handle;
    this.#accepting = false;
    internals._handle = handle;
    if (request.path !== undefined) internals._pipeName = request.path;
    if (internals._unref) handle.unref();
    if (request.callback) this.server.once('listening', request.callback);
    if (request.signal) this.#closeOnAbort(request.signal);
    process.nextTick(() => {
      // As Node's emitListeningNT: a server closed before the tick stays quiet.
      if (internals._handle !== handle) return;
      this.#accepting = true;
      try {
        this.server.emit('listening');
      } finally {
        // Even when the app's callback throws (the process is then going
        // down as under node): connections must not wait forever.
        this.#events.listening(this);
      }
    });
  }

  /**
   * Accepts on a listening fd (TCP or unix) for this server; Node takes
   * ownership of the fd. Sockets accepted are tagged with `tag`.
   */
  async acceptOn(fd: number, backlog: number | undefined, tag: string, originalListen: OriginalListen): Promise<void> {
    const acceptor = net.createServer(connectionOptionsOf(this.server));
    acceptor.on('connection', (socket: net.Socket) => this.acceptDirect(socket, tag));
    await new Promise<void>((resolve, reject) => {
      acceptor.once('error', (e: Error) => {
        acceptor.close();
        reject(e);
      });
      originalListen.call(acceptor, { fd, backlog }, () => {
        acceptor.removeAllListeners('error');
        resolve();
      });
    });
    // accept(2) can fail later (EMFILE, ENFILE): Node reports it as an
    // 'error' event, which would crash the app without a listener.
    acceptor.on('error', (e: Error) => this.#events.log('error', `accepting a connection on fd ${fd} failed: ${e.message}`));
    if (!this.listening) {
      acceptor.close();
      return;
    }
    if (this.#handle && !this.#handle.hasRef()) acceptor.unref();
    this.#acceptors.add(acceptor);
  }

  /** A client's connection on one of Weft's listeners (`tag`): counted as accepted here, then served. */
  acceptDirect(socket: DirectSocket, tag: string): void {
    socket[DIRECT] = tag;
    const stats = this.#events.direct;
    stats.accepted++;
    socket.once('close', () => stats.closed++);
    this.deliver(socket);
  }

  /** Stops accepting on every fd; connections already accepted go on. */
  stopAccepting(): void {
    for (const acceptor of this.#acceptors) acceptor.close();
    this.#acceptors.clear();
  }

  /** Resolves once no connection it was given is open. */
  whenNoConnections(): Promise<void> {
    if (internalsOf(this.server)._connections === 0) return Promise.resolve();
    return new Promise((resolve) => this.#noConnections.push(resolve));
  }

  /** Wraps a connected socket fd the way net.Server wraps an accepted one. */
  socketFor(fd: number): net.Socket {
    const o = connectionOptionsOf(this.server);
    const socket = new net.Socket({
      fd,
      readable: true,
      writable: true,
      allowHalfOpen: o.allowHalfOpen,
      pauseOnCreate: o.pauseOnConnect,
      readableHighWaterMark: o.highWaterMark,
      writableHighWaterMark: o.highWaterMark,
    } as net.SocketConstructorOpts);
    if (o.noDelay) socket.setNoDelay(true);
    if (o.keepAlive) socket.setKeepAlive(true, o.keepAliveInitialDelay);
    return socket;
  }

  /** Hands a connection to the server, counted as net.Server counts accepted ones. */
  deliver(socket: net.Socket): void {
    if (!this.listening) {
      socket.destroy();
      return;
    }
    const internals = internalsOf(this.server);
    const max = this.server.maxConnections;
    if (max && internals._connections >= max) {
      this.server.emit('drop', socket.remoteAddress === undefined ? undefined : dropInfo(socket));
      socket.destroy();
      return;
    }
    internals._connections++;
    socket.once('close', () => {
      internals._connections--;
      internals._emitCloseIfDrained();
      if (internals._connections === 0) this.#noConnections.splice(0).forEach((resolve) => resolve());
    });
    this.server.emit(this.tls ? 'secureConnection' : 'connection', socket);
  }

  #handleClosed(handle: StandInHandle): void {
    if (handle !== this.#handle) return;
    this.#accepting = false;
    this.stopAccepting();
    this.#events.closed(this);
  }

  /** As Node's listen({ signal }): an abort closes the server. */
  #closeOnAbort(signal: AbortSignal): void {
    const onAbort = (): void => {
      this.server.close();
    };
    if (signal.aborted) {
      process.nextTick(onAbort);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    this.server.once('close', () => signal.removeEventListener('abort', onAbort));
  }
}

function dropInfo(socket: net.Socket): Record<string, unknown> {
  return {
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    localFamily: socket.localFamily,
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    remoteFamily: socket.remoteFamily,
  };
}
