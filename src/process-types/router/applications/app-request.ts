// Routed mode: a request forwarded to an application process over one of
// its connections, the answer streamed back. The worker dying under the
// request is a 502 for that request only; limits.timeout is a 503, and the
// pool replaces the worker.
import { watchBody } from '../../../request/body-timeout.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import { endToEndHeaders, forwardedHead, upstreamPath } from '../../../request/forwarding.js';
import type { Exchange } from '../../../transport/http1-connection.js';
import { forwardBody } from '../../../transport/send-body.js';
import { CLIENT_HEADER } from '../../../protocol/application.js';
import type { AppProcess } from './app-process.js';

/**
 * The client as the app should see it travels in one internal header (the
 * runtime takes it out again and shows it as req.socket's address): routed
 * connections carry many clients' requests. A client cannot forge it.
 */
function clientLine(ctx: RequestContext): string {
  return `${CLIENT_HEADER}: ${ctx.remoteAddr} ${ctx.req.socket.remotePort ?? 0} ${ctx.route.tls ? 'https' : 'http'}\r\n`;
}

/**
 * 'untaken': the process never read the request (it died, or its idle
 * connection had closed) and nothing was sent to the client: the request
 * may go to another process.
 */
export type ForwardOutcome = 'done' | 'untaken';

export function forwardToApp(ctx: RequestContext, p: AppProcess, timeoutMs: number, onTimeout: () => void): Promise<ForwardOutcome> {
  if (ctx.upgrade) return tunnelToApp(ctx, p).then(() => 'done');
  const { res } = ctx;
  const { head, body } = forwardedHead(ctx, { dropped: CLIENT_HEADER, extra: clientLine(ctx) });
  return new Promise((resolve) => {
    let done = false;
    const connection = p.acquire();
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: ForwardOutcome = 'done'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const exchange: Exchange = {
      head: (status, headers) => ctx.writeHead(status, endToEndHeaders(headers)),
      body: (chunk) => res.write(chunk),
      end: () => {
        res.end();
        finish();
      },
      fail: (_error, started, taken) => {
        if (done) return;
        // Never read (the process died with it still queued, or an idle
        // connection had just closed): it may go to a process that will.
        if (!started && !taken && body === 'none') {
          finish('untaken');
          return;
        }
        // The process died holding it: this request fails alone.
        if (res.headersSent) res.destroy();
        else errorResponse(ctx, 502);
        finish();
      },
    };
    res.on('drain', () => connection.resumeReading());
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        // limits.timeout: the client gets 503, the worker is stopped and replaced.
        done = true;
        connection.destroy();
        errorResponse(ctx, 503);
        onTimeout();
        resolve('done');
      }, timeoutMs);
    }
    res.on('close', () => {
      // The client went away before the answer was complete: that connection is spoiled.
      if (!done) {
        connection.destroy();
        finish();
      }
    });
    watchBody(ctx, () => {
      connection.destroy();
      finish();
    });
    connection.start(head, exchange, { head: ctx.method === 'HEAD' });
    // The client's 100 Continue is the app's (or, after a second without one, ours).
    if (body !== 'none') forwardBody(ctx.req, res, connection, exchange, body === 'chunked', () => done);
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
