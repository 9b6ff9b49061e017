// Forwarding one request to an HTTP server and its answer back, streamed
// both ways with backpressure. Hop-by-hop headers stay on their hop. A
// server that cannot be reached is a 502; one that does not answer in time
// is a 504; a server that breaks off mid-answer breaks off the client too.
import http from 'node:http';

import { watchBody } from '../../../request/body-timeout.js';
import { endToEndHeaders, hopByHop, upstreamPath } from '../../../request/forwarding.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import type { ProxyTarget } from './proxy-target.js';
import { tunnelUpgrade } from './websocket-tunnel.js';

export type ProxyOutcome = 'done' | 'unreachable';

export function proxyRequest(ctx: RequestContext, target: ProxyTarget, canRetry: boolean): Promise<ProxyOutcome> {
  if (ctx.upgrade) return tunnelUpgrade(ctx, target);
  const { req, res } = ctx;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ProxyOutcome): void => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const upstream = http.request({
      host: target.host,
      port: target.port,
      socketPath: target.socketPath,
      agent: target.agent,
      method: req.method,
      path: upstreamPath(ctx),
      headers: endToEndHeaders(ctx.rawHeaders),
      setHost: false,
    });
    let bodyStarted = false;
    upstream.setTimeout(ctx.conf.http.proxyReadTimeoutMs, () => {
      upstream.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
    });
    upstream.on('response', (answer) => {
      // The same limit holds between two reads of the answer.
      const headers = endToEndHeaders(answer.rawHeaders);
      ctx.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('end', () => finish('done'));
      res.on('close', () => {
        if (!answer.complete) answer.destroy();
        finish('done');
      });
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      if (aborted) {
        finish('done');
        return;
      }
      if (res.headersSent) {
        res.destroy();
        finish('done');
        return;
      }
      const refused = e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EHOSTUNREACH' || e.code === 'ECONNRESET';
      if (canRetry && refused && !bodyStarted) {
        finish('unreachable');
        return;
      }
      errorResponse(ctx, e.code === 'ETIMEDOUT' ? 504 : 502);
      finish('done');
    });
    // The client went away: so does the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.on('data', () => (bodyStarted = true));
    let aborted = false;
    watchBody(ctx, () => {
      aborted = true;
      upstream.destroy();
    });
    req.pipe(upstream);
  });
}
