// Requests an application process accepted that are not its own app's (a
// file to serve, a proxy, another application) go to a router, which
// decides them again, from scratch: it never trusts what a process running
// user code decided. Each client connection that needs one gets its own
// connection to the router (a socketpair, announced as coming from that
// client on that listener, whose socket goes beside it for the router to
// read the client's address from), which carries its requests one at a time
// and closes with it. The router's answer is streamed back unchanged (its
// Server header, its framing decided again by Node for this client).
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

import type { Port } from '../../kernel/ports/port.js';
import { socketPair } from '../../native/index.js';
import { errorResponse } from '../../request/error-response.js';
import { endToEndHeaders, hopByHop } from '../../request/forwarding.js';
import type { RequestContext } from '../../request/request-context.js';
import { Http1Connection } from '../../transport/http1-connection.js';
import type { Exchange } from '../../transport/http1-connection.js';
import { forwardBody } from '../../transport/send-body.js';
import '../../protocol/application.js';

const RELAY = Symbol('weft.relay');

interface RelayState {
  connection: Http1Connection;
  /** Requests waiting for the one before them to be answered. */
  queue: Array<() => void>;
  busy: boolean;
}

type RelayedSocket = net.Socket & { [RELAY]?: RelayState };

/** The request's head as the client sent it, without its hop-by-hop fields, framed as it will be sent. */
function relayHead(req: IncomingMessage): { head: string; body: 'none' | 'length' | 'chunked' } {
  const raw = req.rawHeaders;
  const dropped = hopByHop(raw);
  let body: 'none' | 'length' | 'chunked' = 'none';
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (lower === 'content-length') body = 'length';
    else if (lower === 'transfer-encoding' && body === 'none') body = 'chunked';
    if (dropped(lower)) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (body === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  return { head: `${head}\r\n`, body };
}

export class Relay {
  #port: Port;
  #turn = 0;

  constructor(port: Port) {
    this.#port = port;
  }

  /** Hands the request to a router as if its client had sent it there; answers 503 when no router is there. */
  forward(ctx: RequestContext, address: string): void {
    const socket = ctx.req.socket as RelayedSocket;
    let state = socket[RELAY];
    if (!state || state.connection.dead) {
      const connection = this.#open(socket, address);
      if (!connection) {
        ctx.log('error', 'a request for the router could not be passed to one (none runs, or the client socket is gone)');
        errorResponse(ctx, 503);
        return;
      }
      state = { connection, queue: [], busy: false };
      socket[RELAY] = state;
    }
    const run = (): void => this.#send(ctx, state!);
    if (state.busy) state.queue.push(run);
    else run();
  }

  #open(client: net.Socket, address: string): Http1Connection | undefined {
    // Router workers take relayed connections in turn.
    const routers = this.#port.peersOfType('router');
    if (routers.length === 0) return undefined;
    const router = routers[this.#turn++ % routers.length];
    // The router learns who the client is from its socket, never from us.
    const clientFd = (client as net.Socket & { _handle?: { fd?: number } })._handle?.fd;
    if (clientFd === undefined || clientFd < 0) return undefined;
    const [ours, theirs] = socketPair('stream');
    const sent = this.#port.notify(router.pid, 'router.relay', { address }, [theirs, clientFd]);
    fs.closeSync(theirs);
    if (!sent) {
      fs.closeSync(ours);
      return undefined;
    }
    const connection = new Http1Connection(new net.Socket({ fd: ours, readable: true, writable: true }), () => undefined);
    client.once('close', () => connection.destroy());
    return connection;
  }

  #send(ctx: RequestContext, state: RelayState): void {
    state.busy = true;
    const { req, res } = ctx;
    const { connection } = state;
    const { head, body } = relayHead(req);
    let done = false;
    const next = (): void => {
      if (done) return;
      done = true;
      state.busy = false;
      state.queue.shift()?.();
    };
    const exchange: Exchange = {
      head: (status, headers) => {
        // The router closes after this answer: so does this connection, after it.
        for (let i = 0; i + 1 < headers.length; i += 2) {
          if (headers[i].toLowerCase() === 'connection' && /\bclose\b/i.test(headers[i + 1])) res.shouldKeepAlive = false;
        }
        res.writeHead(status, endToEndHeaders(headers));
      },
      body: (chunk) => res.write(chunk),
      end: () => {
        res.end();
        next();
      },
      fail: (_error, started) => {
        if (started) res.destroy();
        else errorResponse(ctx, 502);
        next();
      },
    };
    res.on('drain', () => connection.resumeReading());
    res.once('close', () => {
      // The client left mid-answer: the relay connection is spoiled.
      if (!done) {
        connection.destroy();
        next();
      }
    });
    connection.start(head, exchange, { head: req.method === 'HEAD' });
    // A client still waiting for its 100 Continue gets the router's (which is the next hop's).
    if (body !== 'none') forwardBody(req, res, connection, exchange, body === 'chunked', () => done);
  }
}
