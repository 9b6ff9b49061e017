// settings.http for the connections an application process accepts itself
// (direct mode), where the router is not there to apply them: a declared
// body over max_body_size is refused with 413 before the app sees the
// request; a chunked body that grows past it ends the connection (with 413
// when the app has not answered yet). The bytes are counted as the parser
// hands them to the request, so the app reads its body when and how it
// likes. The idle, header and send timeouts are the server's own
// (keepAliveTimeout, headersTimeout, timeout), set when the settings come.
// body_read_timeout is not applied here: how fast the body arrives depends
// on how fast the app reads it; Node's requestTimeout (300 s) bounds it.
//
// GET and HEAD requests, nearly all of a typical app's traffic, are let
// through without looking at their headers: that keeps the hello-world path
// as cheap as under plain node.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import { errorPage } from '../../../request/error-page.js';

export interface DirectHttpSettings {
  headerReadTimeoutMs: number;
  sendTimeoutMs: number;
  idleTimeoutMs: number;
  maxBodySize: number;
}

function refuse(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The app may still write to a response refused under it: that must not crash it.
  res.on('error', () => undefined);
  const body = errorPage(status);
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

export class DirectLimits {
  readonly settings: DirectHttpSettings;

  constructor(settings: DirectHttpSettings) {
    this.settings = settings;
  }

  /** The server-wide timeouts: every connection of a direct-mode server faces clients. */
  applyTo(server: Server): void {
    server.headersTimeout = this.settings.headerReadTimeoutMs;
    server.keepAliveTimeout = this.settings.idleTimeoutMs;
    server.timeout = this.settings.sendTimeoutMs;
  }

  /** False when the request was answered here and the app must not see it. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method === 'GET' || method === 'HEAD') return true;
    const { maxBodySize } = this.settings;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodySize) {
      req.resume();
      refuse(res, 413);
      return false;
    }
    // A declared length is held to by the parser; only a chunked body can grow.
    if (req.complete || req.headers['content-length'] !== undefined) return true;
    let received = 0;
    const push = req.push;
    req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk !== null && received <= maxBodySize) {
        received += (chunk as Buffer).length;
        if (received > maxBodySize) {
          refuse(res, 413);
          req.socket.destroySoon();
        }
      }
      return push.call(this, chunk, encoding);
    };
    return true;
  }
}
