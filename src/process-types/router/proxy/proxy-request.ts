// Forwarding one request to an HTTP server and its answer back, streamed
// both ways with backpressure. Hop-by-hop headers stay on their hop. A
// server that cannot be reached is a 502; one that does not answer in time
// is a 504; a server that breaks off mid-answer breaks off the client too.
import { ERROR_STATUS, ErrorCodes, WeftError } from '../../../errors.js';
import type { ErrorCode } from '../../../errors.js';
import { watchBody } from '../../../request/body-timeout.js';
import { endToEndHeaders, forwardedHead } from '../../../request/forwarding.js';
import type { Exchange } from '../../../transport/http1-connection.js';
import { forwardBody } from '../../../transport/send-body.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import type { ProxyTarget } from './proxy-target.js';
import { tunnelUpgrade } from './websocket-tunnel.js';

export type ProxyOutcome = 'done' | 'unreachable';

export function proxyRequest(ctx: RequestContext, target: ProxyTarget, canRetry: boolean): Promise<ProxyOutcome> {
  if (ctx.upgrade) return tunnelUpgrade(ctx, target);
  const { req, res } = ctx;
  const { head, body } = forwardedHead(ctx);
  const isHead = ctx.method === 'HEAD';
  const readTimeoutMs = ctx.conf.http.proxyReadTimeoutMs;
  return new Promise((resolve) => {
    let settled = false;
    let bodyStarted = false;
    let connection = target.pool.acquire();
    let reused = connection.uses > 0;
    const finish = (outcome: ProxyOutcome): void => {
      if (settled) return;
      settled = true;
      connection.socket.setTimeout(0);
      resolve(outcome);
    };
    // proxy_read_timeout: for the answer to begin, and between two reads of it.
    const arm = (): void => {
      connection.socket.setTimeout(readTimeoutMs, () => {
        connection.socket.destroy(new WeftError(ErrorCodes.UPSTREAM_TIMEOUT, 'the upstream timed out'));
      });
    };
    const exchange: Exchange = {
      head: (status, headers) => ctx.writeHead(status, endToEndHeaders(headers)),
      body: (chunk) => res.write(chunk),
      end: () => {
        res.end();
        finish('done');
      },
      fail: (error, started) => {
        if (settled) return;
        // An idle connection the server had closed meanwhile: the request never reached it.
        if (!started && reused && body === 'none') {
          reused = false;
          connection = target.pool.acquire(true);
          arm();
          connection.start(head, exchange, { head: isHead });
          return;
        }
        if (started || res.headersSent) {
          res.destroy();
          finish('done');
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        const refused = code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EHOSTUNREACH' || code === 'ECONNRESET';
        if (canRetry && refused && !bodyStarted) {
          finish('unreachable');
          return;
        }
        errorResponse(ctx, ERROR_STATUS[code as ErrorCode] ?? 502);
        finish('done');
      },
    };
    res.on('drain', () => connection.resumeReading());
    // The client went away: the answer's connection is spoiled.
    res.on('close', () => {
      if (!settled) {
        connection.destroy();
        finish('done');
      }
    });
    req.on('data', () => (bodyStarted = true));
    watchBody(ctx, () => {
      connection.destroy();
      finish('done');
    });
    arm();
    connection.start(head, exchange, { head: isHead });
    // Expect: 100-continue goes on to the server, whose 100 Continue (or refusal) the client gets.
    if (body !== 'none') forwardBody(req, res, connection, exchange, body === 'chunked', () => settled);
  });
}
