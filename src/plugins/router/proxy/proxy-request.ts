// Forwarding one request to an HTTP server and its answer back, streamed
// both ways with backpressure. Hop-by-hop headers stay on their hop. A
// server that cannot be reached is a 502; one that does not answer in time
// is a 504; a server that breaks off mid-answer breaks off the client too.
import http from 'node:http';

import { watchBody } from '../../../request/body-timeout.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import type { ProxyTarget } from './proxy-target.js';
import { tunnelUpgrade } from './websocket-tunnel.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The header names a Connection header lists: they stay on their hop too (undefined: none). */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      named ??= new Set();
      for (const token of raw[i + 1].split(',')) named.add(token.trim().toLowerCase());
    }
  }
  return named;
}

/**
 * A test for the fields of `raw` that stay on their hop: the hop-by-hop ones
 * and those its Connection header names. Takes lowercase names.
 */
export function hopByHop(raw: readonly string[]): (lowerName: string) => boolean {
  const named = connectionTokens(raw);
  return named ? (name) => HOP_BY_HOP.has(name) || named.has(name) : (name) => HOP_BY_HOP.has(name);
}

/** Request or response headers without the hop-by-hop ones (and those the Connection header names). */
export function endToEndHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const dropped = hopByHop(raw);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (dropped(name.toLowerCase())) continue;
    const prev = out[name];
    out[name] = prev === undefined ? raw[i + 1] : Array.isArray(prev) ? [...prev, raw[i + 1]] : [prev, raw[i + 1]];
  }
  return out;
}

/** The target to send upstream: as received, unless a rewrite changed the path. */
export function upstreamPath(ctx: RequestContext): string {
  const original = ctx.req.url ?? '/';
  if (!ctx.rewritten) return original;
  const encoded = encodeURI(Buffer.from(ctx.route.path, 'latin1').toString('utf8'));
  return ctx.route.query ? `${encoded}?${ctx.route.query}` : encoded;
}

export type ProxyOutcome = 'done' | 'unreachable';

/**
 * Proxies the request. Resolves 'unreachable' (having written nothing) when
 * the connection failed before any byte of the request body was sent, so an
 * upstream group may try another server.
 */
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
