// Routed mode: a request forwarded to an application process over one of
// its HTTP/1.1 connections, the answer streamed back (forward-lifecycle.ts:
// a dying worker fails that request only, limits.timeout is a 503).
import type { RequestContext } from '../../../request/request-context.js';
import { forwardedHead, upstreamPath } from '../../../request/forwarding.js';
import type { Exchange } from '../../../transport/http1-connection.js';
import { forwardBody } from '../../../transport/send-body.js';
import { CLIENT_HEADER } from '../../../protocol/application.js';
import type { AppProcess } from './app-process.js';
import { forwardExchange } from './forward-lifecycle.js';
import type { ForwardOutcome } from './forward-lifecycle.js';

/**
 * The client as the app should see it travels in one internal header (the
 * runtime takes it out again and shows it as req.socket's address): routed
 * connections carry many clients' requests. A client cannot forge it.
 */
function clientLine(ctx: RequestContext): string {
  return `${CLIENT_HEADER}: ${ctx.remoteAddr} ${ctx.req.socket.remotePort ?? 0} ${ctx.route.tls ? 'https' : 'http'}\r\n`;
}

export function forwardToApp(ctx: RequestContext, p: AppProcess, timeoutMs: number, onTimeout: () => void): Promise<ForwardOutcome> {
  if (ctx.upgrade) return tunnelToApp(ctx, p).then(() => 'done');
  const { head, body } = forwardedHead(ctx, { dropped: CLIENT_HEADER, extra: clientLine(ctx) });
  return new Promise((resolve) => {
    const connection = p.acquire();
    const forward = forwardExchange(ctx, connection, { timeoutMs, onTimeout }, resolve);
    const exchange: Exchange = {
      head: forward.head,
      body: forward.body,
      end: forward.end,
      // Never read (the process died with it still queued, or an idle
      // connection had just closed): it may go to a process that will.
      fail: (_error, started, taken) => forward.fail(!started && !taken && body === 'none'),
    };
    connection.start(head, exchange, { head: ctx.method === 'HEAD' });
    // The client's 100 Continue is the app's (or, after a second without one, ours).
    if (body !== 'none') forwardBody(ctx.req, ctx.res, connection, exchange, body === 'chunked', forward.done);
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
  head += clientLine(ctx);
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
