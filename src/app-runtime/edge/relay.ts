// Requests an application process accepted that are not its own app's (a
// file to serve, a proxy, another application) go to a router, which
// decides them again, from scratch: it never trusts what a process running
// user code decided. Each client connection that needs one gets its own
// connection to the router (a socketpair, announced as coming from that
// client on that listener, whose socket goes beside it for the router to
// read the client's address from), which carries its requests one at a time
// and closes with it. The router's answer is streamed back unchanged (its
// Server header, its framing decided again by Node for this client).
//
// Router workers come and go (--routers auto retires some): a retiring one
// gets no new relay, and a request without a body whose relay connection
// broke before any answer (it raced the router closing an idle one, or the
// router went) is sent once more, to another router, as an HTTP client
// retries an idempotent request on a fresh connection.
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

/** Methods a relay sends again after a connection broke before the answer (RFC 9110's safe ones). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

interface RelayState {
  connection: Http1Connection;
  /** The router it goes to, and the listener it is announced on. */
  router: number;
  address: string;
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
  /** Router workers draining before they go (main's app.router-retiring). */
  #retiring = new Set<number>();

  constructor(port: Port) {
    this.#port = port;
    port.on('peer-closed', (peer) => this.#retiring.delete(peer.pid));
  }

  /** main says router `pid` goes: new relays go to the others. */
  retiring(pid: number): void {
    if (this.#port.has(pid)) this.#retiring.add(pid);
  }

  /** Hands the request to a router as if its client had sent it there; answers 503 when no router is there. */
  forward(ctx: RequestContext, address: string): void {
    const socket = ctx.req.socket as RelayedSocket;
    let state = socket[RELAY];
    if (!state || state.connection.dead) {
      const opened = this.#open(socket, address);
      if (!opened) {
        ctx.log('error', 'a request for the router could not be passed to one (none runs, or the client socket is gone)');
        errorResponse(ctx, 503);
        return;
      }
      state = { ...opened, address, queue: [], busy: false };
      socket[RELAY] = state;
    }
    const run = (): void => this.#send(ctx, state!, false);
    if (state.busy) state.queue.push(run);
    else run();
  }

  /** A relay connection to a router (in turn; not `avoid`, nor a retiring one while another runs). */
  #open(client: net.Socket, address: string, avoid?: number): { connection: Http1Connection; router: number } | undefined {
    // The router learns who the client is from its socket, never from us.
    const clientFd = (client as net.Socket & { _handle?: { fd?: number } })._handle?.fd;
    if (clientFd === undefined || clientFd < 0) return undefined;
    const all = this.#port.peersOfType('router');
    const staying = all.filter((r) => r.pid !== avoid && !this.#retiring.has(r.pid));
    const routers = staying.length > 0 ? staying : all;
    // Router workers take relayed connections in turn; one whose channel just closed is skipped.
    for (let tries = 0; tries < routers.length; tries++) {
      const router = routers[this.#turn++ % routers.length];
      const [ours, theirs] = socketPair('stream');
      const sent = this.#port.notify(router.pid, 'router.relay', { address }, [theirs, clientFd]);
      fs.closeSync(theirs);
      if (!sent) {
        fs.closeSync(ours);
        continue;
      }
      const connection = new Http1Connection(new net.Socket({ fd: ours, readable: true, writable: true }), () => undefined);
      client.once('close', () => connection.destroy());
      return { connection, router: router.pid };
    }
    return undefined;
  }

  #send(ctx: RequestContext, state: RelayState, again: boolean): void {
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
        if (done) return;
        if (!started && !again && body === 'none' && SAFE.has(req.method ?? '') && !res.headersSent) {
          const opened = this.#open(req.socket, state.address, state.router);
          if (opened) {
            // This attempt's listeners go quiet; the next one owns the request.
            done = true;
            state.connection = opened.connection;
            state.router = opened.router;
            this.#send(ctx, state, true);
            return;
          }
        }
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
