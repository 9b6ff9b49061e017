// Routed mode: a request forwarded to an application process over one of
// its connections, the answer streamed back. The worker dying under the
// request is a 502 for that request only; limits.timeout is a 503, and the
// pool replaces the worker.
import http from 'node:http';

import { watchBody } from '../http/body-timeout.js';
import { errorResponse } from '../http/errors.js';
import type { RequestContext } from '../http/request-context.js';
import { endToEndHeaders, upstreamPath } from '../proxy/proxy-request.js';
import { CLIENT_HEADER } from '../../application/protocol.js';
import type { AppProcess } from './app-process.js';

/**
 * The client as the app should see it travels in one internal header (the
 * runtime takes it out again and shows it as req.socket's address): routed
 * connections carry many clients' requests. A client cannot forge it.
 */

function appHeaders(ctx: RequestContext): Record<string, string | string[]> {
  const headers = endToEndHeaders(ctx.rawHeaders);
  for (const name of Object.keys(headers)) if (name.toLowerCase() === CLIENT_HEADER) delete headers[name];
  const socket = ctx.req.socket;
  headers[CLIENT_HEADER] = `${ctx.remoteAddr} ${socket.remotePort ?? 0} ${ctx.route.tls ? 'https' : 'http'}`;
  return headers;
}

export function forwardToApp(ctx: RequestContext, p: AppProcess, timeoutMs: number, onTimeout: () => void): Promise<void> {
  if (ctx.upgrade) return tunnelToApp(ctx, p);
  const { req, res } = ctx;
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const upstream = http.request({
      agent: p.agent,
      method: req.method,
      path: upstreamPath(ctx),
      headers: appHeaders(ctx),
      setHost: false,
    });
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        // limits.timeout: the client gets 503, the worker is stopped and replaced.
        errorResponse(ctx, 503);
        upstream.destroy();
        onTimeout();
        finish();
      }, timeoutMs);
    }
    upstream.on('response', (answer) => {
      ctx.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.rawHeaders));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('aborted', () => res.destroy());
      answer.on('end', finish);
      res.on('close', () => {
        if (!answer.complete) answer.destroy();
        finish();
      });
    });
    upstream.on('error', () => {
      if (done) return;
      // The worker died (or never took the connection): this request fails alone.
      if (res.headersSent) res.destroy();
      else errorResponse(ctx, 502);
      finish();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      finish();
    });
    watchBody(ctx, () => {
      upstream.destroy();
      finish();
    });
    req.pipe(upstream);
  });
}

/** WebSocket (any Upgrade) to an application: its own connection, spliced once sent. */
function tunnelToApp(ctx: RequestContext, p: AppProcess): Promise<void> {
  const upgrade = ctx.upgrade!;
  const connection = p.openConnection();
  let head = `${ctx.method} ${upstreamPath(ctx)} HTTP/${ctx.req.httpVersion}\r\n`;
  const raw = ctx.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== CLIENT_HEADER) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  head += `${CLIENT_HEADER}: ${ctx.remoteAddr} ${ctx.req.socket.remotePort ?? 0} ${ctx.route.tls ? 'https' : 'http'}\r\n`;
  connection.write(`${head}\r\n`, 'latin1');
  if (upgrade.head.length > 0) connection.write(upgrade.head);
  upgrade.socket.pipe(connection);
  connection.pipe(upgrade.socket);
  return new Promise((resolve) => {
    const end = (): void => {
      upgrade.socket.destroy();
      connection.destroy();
      resolve();
    };
    connection.on('close', end);
    connection.on('error', end);
    upgrade.socket.on('close', end);
    upgrade.socket.on('error', end);
  });
}
