// The start of every request, in whichever process accepted it: the target
// is parsed and normalised, the Host checked, unsafe header fields dropped,
// the client found (forwarded), the declared body size checked. A request
// that fails here gets Weft's error answer; one that passes gets its
// context, from which decide.ts finds where it goes. When its response is
// over, its counters and its access log line follow.
import type http from 'node:http';
import type net from 'node:net';

import type { CompiledFormat } from './access-log/access-log-format.js';
import type { AccessLogWriter } from './access-log/access-log-writer.js';
import type { EngineView, ListenerConf } from './engine.js';
import { errorResponse } from './error-response.js';
import { RequestContext } from './request-context.js';
import type { RequestMetrics } from './request-metrics.js';
import { normalizeHost, parseRequestTarget, RouteRequest } from './routing/index.js';
import type { SocketEndpoint } from './routing/index.js';

/** Header names Unit keeps with discard_unsafe_fields: letters, digits, "-". */
function safeName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (name.charCodeAt(i) >= 0x30 && name.charCodeAt(i) <= 0x39) || name.charCodeAt(i) === 0x2d))
      return false;
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

/**
 * Unit reads a request head into buffers of large_header_buffer_size: a
 * request line that does not fit one is a 414, a header field a 431 (the
 * whole head is bounded by Node's maxHeaderSize, set from both settings).
 */
function headTooLarge(req: http.IncomingMessage, limit: number): number {
  // method, SP, target, SP, "HTTP/1.1", CRLF
  if ((req.method?.length ?? 0) + (req.url?.length ?? 0) + 12 > limit) return 414;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].length + raw[i + 1].length + 4 > limit) return 431;
  return 0;
}

function endpoint(address: string | undefined, port: number | undefined): SocketEndpoint | null {
  return address === undefined ? null : { address, port: port ?? 0 };
}

/** What a process counts of the requests it serves (/status). */
export interface RequestCounters {
  requestStarted(socket: net.Socket): void;
  requestFinished(socket: net.Socket): void;
}

export interface StartOptions {
  counters?: RequestCounters;
  accessLog?: { format: CompiledFormat; writer: AccessLogWriter | undefined };
  /** An Upgrade request (WebSocket): the raw connection and what followed the head. */
  upgrade?: { socket: net.Socket; head: Buffer };
  /** The client as seen by whoever accepted the connection, when not this socket's peer (a relayed request). */
  peer?: SocketEndpoint | null;
  /** Told of a request answered here (400, 413), before its answer. */
  rejected?: (ctx: RequestContext) => void;
  /** Counts the request when its response closes. */
  metrics?: RequestMetrics;
}

/** A request's context once it is valid; null when it was answered here (400, 413). */
export function startRequest<C extends EngineView>(
  conf: C,
  listener: ListenerConf,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: StartOptions = {},
): RequestContext<C> | null {
  const socket = req.socket;
  const rawHeaders = conf.http.discardUnsafeFields ? safeHeaders(req.rawHeaders) : req.rawHeaders;
  const target = parseRequestTarget(req.url ?? '');
  const hosts = hostHeaders(rawHeaders);
  const host = hosts.length > 1 ? null : normalizeHost(hosts[0] ?? '');
  const peer = options.peer !== undefined ? options.peer : endpoint(socket.remoteAddress, socket.remotePort);
  const client = listener.client(peer, listener.tls, rawHeaders);
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
  ctx.upgrade = options.upgrade;

  const { counters, accessLog, metrics } = options;
  counters?.requestStarted(socket);
  if (counters || accessLog?.writer || metrics) {
    // A tunnelled upgrade is over when its connection closes.
    (options.upgrade ? options.upgrade.socket : res).once('close', () => {
      counters?.requestFinished(socket);
      metrics?.observe(ctx);
      if (accessLog?.writer) {
        ctx.finish();
        if (accessLog.format.wanted(ctx)) accessLog.writer.append(accessLog.format.line(ctx));
      }
    });
  }

  // Unit serves an HTTP/1.1 request without Host ($host is then empty); two Hosts are a 400.
  const status = req.httpVersionMajor !== 1 ? 505 : !target.ok || host === null ? 400 : headTooLarge(req, conf.http.largeHeaderBufferSize);
  if (status !== 0) {
    options.rejected?.(ctx);
    errorResponse(ctx, status);
    return null;
  }
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > conf.http.maxBodySize) {
    options.rejected?.(ctx);
    errorResponse(ctx, 413);
    return null;
  }
  return ctx;
}
