// A request body to the next hop as it arrives, with backpressure both
// ways; chunked again when it came chunked (the parser took the framing off).
import type { IncomingMessage } from 'node:http';

import type { Http1Connection } from './http1-connection.js';

export function sendBody(req: IncomingMessage, c: Http1Connection, chunked: boolean): void {
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
