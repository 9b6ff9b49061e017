// max_body_size for a chunked body, whose size nobody declared (a declared
// one over the limit is refused before the app sees the request): the bytes
// are counted as the parser hands them to the request, so the app reads its
// body when and how it likes; past the limit the connection ends, with 413
// when the app has not answered yet.
import type { IncomingMessage, ServerResponse } from 'node:http';

import { errorPage } from '../../request/error-page.js';

function refuse(res: ServerResponse, status: number, serverHeader: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The app may still write to a response refused under it: that must not crash it.
  res.on('error', () => undefined);
  const body = errorPage(status);
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    Server: serverHeader,
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

export function limitChunkedBody(req: IncomingMessage, res: ServerResponse, maxBodySize: number, serverHeader: string): void {
  // A declared length is held to by the parser; only a chunked body can grow.
  if (req.complete || req.headers['content-length'] !== undefined) return;
  let received = 0;
  const push = req.push;
  req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && received <= maxBodySize) {
      received += (chunk as Buffer).length;
      if (received > maxBodySize) {
        refuse(res, 413, serverHeader);
        req.socket.destroySoon();
      }
    }
    return push.call(this, chunk, encoding);
  };
}
