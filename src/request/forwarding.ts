// What a request and its answer look like when they go on to another hop
// (a proxied server, an application process, a router): hop-by-hop header
// fields stay behind, and the target is the rewritten one when a rewrite
// changed it.
import type { RequestContext } from './request-context.js';

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

/** How a request's body is framed on the next hop. */
export type BodyFraming = 'none' | 'length' | 'chunked';

/**
 * The request head for the next hop, written from what was parsed: the
 * (rewritten) target, the end-to-end fields except `dropped` (a lowercase
 * name), `extra` lines, and Transfer-Encoding when the body comes chunked.
 */
export function forwardedHead(
  ctx: RequestContext,
  options: { dropped?: string; extra?: string } = {},
): { head: string; body: BodyFraming } {
  const raw = ctx.rawHeaders;
  const dropped = hopByHop(raw);
  let body: BodyFraming = 'none';
  let head = `${ctx.method} ${upstreamPath(ctx)} HTTP/1.1\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (lower === 'content-length') body = 'length';
    else if (lower === 'transfer-encoding' && body === 'none') body = 'chunked';
    if (dropped(lower) || lower === options.dropped) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (options.extra) head += options.extra;
  if (body === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  return { head: `${head}\r\n`, body };
}
