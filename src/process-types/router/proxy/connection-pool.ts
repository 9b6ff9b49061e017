// A proxy target's keep-alive connections: idle ones are reused, most
// recently freed first (their buffers are warm), so a busy proxy pays no
// TCP handshake per request. Requests are written and answers read on the
// raw connection (transport/http1-connection.ts), as for applications: no
// http.ClientRequest or Agent per request.
import net from 'node:net';

import { Http1Connection } from '../../../transport/http1-connection.js';

/** Idle connections kept per target. */
const MAX_IDLE = 64;

export interface Endpoint {
  readonly host?: string;
  readonly port?: number;
  readonly socketPath?: string;
}

export class ConnectionPool {
  #endpoint: Endpoint;
  #idle: Http1Connection[] = [];
  #closed = false;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  /** A connection for one request; `fresh`: a new one (a reused one turned out closed). */
  acquire(fresh = false): Http1Connection {
    if (!fresh) {
      for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (!c.dead) return c;
    }
    const e = this.#endpoint;
    const socket = e.socketPath ? net.connect(e.socketPath) : net.connect(e.port!, e.host);
    socket.setNoDelay(true);
    return new Http1Connection(socket, (c) => {
      if (this.#closed || this.#idle.length >= MAX_IDLE) c.destroy();
      else this.#idle.push(c);
    });
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
  }
}
