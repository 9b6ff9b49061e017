// A request body to the next hop as it arrives, with backpressure both
// ways; chunked again when it came chunked (the parser took the framing off).
import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendContinue } from '../request/expect-continue.js';
import type { Exchange, Http1Connection } from './http1-connection.js';

/** How long a body waits for the next hop's 100 Continue before it goes anyway (curl waits 1 s). */
const EXPECT_WAIT_MS = 1000;

function sendBody(req: IncomingMessage, c: Http1Connection, chunked: boolean): void {
  req.on('data', (chunk: Buffer) => {
    if (c.dead) return;
    if (chunked) c.socket.write(`${chunk.length.toString(16)}\r\n`);
    let ok = c.socket.write(chunk);
    if (chunked) ok = c.socket.write('\r\n');
    if (!ok) {
      req.pause();
      c.socket.once('drain', () => req.resume());
    }
  });
  req.on('end', () => {
    if (chunked && !c.dead) c.socket.write('0\r\n\r\n');
  });
}

/**
 * The body of `req`, whose head was just written on `c` for `exchange`. A
 * request with "Expect: 100-continue" is the next hop's to answer: its body
 * goes once that hop said 100 Continue (or after a second, as a client
 * would), never after its final answer. A hop that refuses answers at once
 * and may close: a body written then would fail the write, and with it the
 * answer. The client of `res`, if it waits for its 100 Continue, gets it
 * then (request/expect-continue.ts). `ended()`: the exchange is over (the
 * body must not go).
 */
export function forwardBody(
  req: IncomingMessage,
  res: ServerResponse,
  c: Http1Connection,
  exchange: Exchange,
  chunked: boolean,
  ended: () => boolean,
): void {
  if (!expectsContinue(req)) return sendBody(req, c, chunked);
  // Held in the request meanwhile (body timeouts watch it flow).
  req.pause();
  let waiting = true;
  const go = (): void => {
    if (!waiting) return;
    waiting = false;
    clearTimeout(wait);
    if (ended()) return;
    sendContinue(res);
    sendBody(req, c, chunked);
    req.resume();
  };
  const wait = setTimeout(go, EXPECT_WAIT_MS);
  exchange.informational = (status) => {
    if (status === 100) go();
  };
  const answered = exchange.head;
  exchange.head = (status, headers) => {
    if (waiting) {
      waiting = false;
      clearTimeout(wait);
      // The next hop read a head whose body never came: this connection carries nothing more.
      c.closeAfterAnswer();
    }
    answered(status, headers);
  };
}

function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return typeof expect === 'string' && expect.toLowerCase() === '100-continue';
}
