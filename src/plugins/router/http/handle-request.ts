// What happens to a request: the target is parsed and normalised, the Host
// checked, unsafe header fields dropped, the client found (forwarded), the
// body size checked, then the listener's "pass" leads to an action. When the
// response is over, the access log gets its line.
import type http from 'node:http';

import { normalizeHost, parseRequestTarget, RouteRequest } from '../routing/index.js';
import type { SocketEndpoint } from '../routing/index.js';
import type { Configuration, ListenerConf } from '../configuration.js';
import type { Counters } from '../status/counters.js';
import { errorResponse } from './errors.js';
import { RequestContext } from './request-context.js';
import { passTo } from './run-action.js';

/** Header names Unit keeps with discard_unsafe_fields: letters, digits, "-". */
function safeName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (name.charCodeAt(i) >= 0x30 && name.charCodeAt(i) <= 0x39) || name.charCodeAt(i) === 0x2d)) return false;
  }
  return true;
}

function safeHeaders(raw: string[]): string[] {
  for (let i = 0; i < raw.length; i += 2) {
    if (!safeName(raw[i])) {
      const kept: string[] = [];
      for (let j = 0; j < raw.length; j += 2) if (safeName(raw[j])) kept.push(raw[j], raw[j + 1]);
      return kept;
    }
  }
  return raw;
}

function hostHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') out.push(raw[i + 1]);
  return out;
}

function endpoint(address: string | undefined, port: number | undefined): SocketEndpoint | null {
  return address === undefined ? null : { address, port: port ?? 0 };
}

export function handleRequest(
  conf: Configuration,
  listener: ListenerConf,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  counters: Counters,
  upgrade?: { socket: import('node:net').Socket; head: Buffer },
): void {
  const socket = req.socket;
  const rawHeaders = conf.http.discardUnsafeFields ? safeHeaders(req.rawHeaders) : req.rawHeaders;
  const target = parseRequestTarget(req.url ?? '');
  const hosts = hostHeaders(rawHeaders);
  const host = hosts.length > 1 ? null : normalizeHost(hosts[0] ?? '');
  const client = listener.client(endpoint(socket.remoteAddress, socket.remotePort), listener.tls, rawHeaders);
  const route = new RouteRequest({
    method: req.method ?? 'GET',
    tls: client.tls,
    host: host ?? '',
    path: target.ok ? target.path : '/',
    query: target.ok ? target.query : '',
    rawHeaders,
    remote: client.remote,
    local: () => endpoint(socket.localAddress, socket.localPort),
  });
  const ctx = new RequestContext(conf, listener, req, res, route, client.remote?.address ?? 'unix:', rawHeaders);
  ctx.upgrade = upgrade;

  counters.requestStarted(socket);
  const log = conf.accessLog;
  // A tunnelled upgrade is over when its connection closes.
  (upgrade ? upgrade.socket : res).once('close', () => {
    counters.requestFinished(socket);
    if (log?.writer) {
      ctx.finish();
      if (log.format.wanted(ctx)) log.writer.append(log.format.line(ctx));
    }
  });

  // HTTP/1.1 requires a Host; a missing one is a 400, as Node and RFC 9112 say.
  const hostMissing = hosts.length === 0 && req.httpVersionMinor === 1 && req.httpVersionMajor === 1;
  if (!target.ok || host === null || hostMissing) {
    errorResponse(ctx, 400);
    return;
  }
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > conf.http.maxBodySize) {
    errorResponse(ctx, 413);
    return;
  }
  const destination = listener.pass(ctx);
  if (!destination) {
    errorResponse(ctx, 404);
    return;
  }
  passTo(ctx, destination, 0).catch((e: Error) => {
    conf.log.alert(`a request to ${listener.address} failed: ${e.stack ?? e.message}`);
    errorResponse(ctx, 500);
  });
}
