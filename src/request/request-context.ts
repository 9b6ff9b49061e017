// One request as the process that accepted it works on it: Node's req/res,
// the matching view of it (RouteRequest), the configuration it started
// under, and the values variables read ($uri, $status...). Everything here is computed on first
// use; a request that no template or log asks about pays for none of it.
import type http from 'node:http';

import { newRequestId, responseHeaderKey, timeLocalAt } from './routing/index.js';
import type { RouteRequest, VariableContext } from './routing/index.js';
import { startCompression } from './compression.js';
import type { EngineView, ListenerConf } from './engine.js';
import type { ResponseHeaders } from './response-headers.js';

export type HeaderMap = Record<string, string | number | string[]>;

export class RequestContext<C extends EngineView = EngineView> implements VariableContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  /** The configuration the request started under (the router's, or an application process's engine). */
  readonly conf: C;
  readonly listener: ListenerConf;
  readonly route: RouteRequest;
  readonly startedAt = Date.now();
  /** The client after "forwarded" processing; "unix:" for a unix-socket client. */
  readonly remoteAddr: string;
  /** The request's header fields after discard_unsafe_fields. */
  readonly rawHeaders: string[];
  /** Response header changes of every action on the way (response_headers). */
  headerChanges: ResponseHeaders[] = [];
  /** The status sent; -1 until a head went out (0 is a status a "return" may send). */
  statusCode = -1;
  /** A "rewrite" changed the path (a proxy then sends the new one). */
  rewritten = false;
  /** The application that answers it, once one was decided (for metrics). */
  application: string | undefined;
  /** The route step that decided it, "routes[/name]/index" (for metrics). */
  routeStep: string | undefined;
  /** An Upgrade request (WebSocket): the raw connection and what followed the head. */
  upgrade: { socket: import('node:net').Socket; head: Buffer } | undefined;
  #requestId: string | undefined;
  #bytesAtStart: number;
  #bodyBytes: number | undefined;

  constructor(
    conf: C,
    listener: ListenerConf,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: RouteRequest,
    remoteAddr: string,
    rawHeaders: string[],
  ) {
    this.rawHeaders = rawHeaders;
    this.conf = conf;
    this.listener = listener;
    this.req = req;
    this.res = res;
    this.route = route;
    route.variables = this;
    this.remoteAddr = remoteAddr;
    this.#bytesAtStart = req.socket.bytesWritten;
  }

  /** The current path (decoded, normalised; after any rewrite): what $uri and share use. */
  get path(): string {
    return this.route.path;
  }

  /** The raw query ("" when none): a rewrite keeps it. */
  get query(): string {
    return this.route.query;
  }

  get headers(): http.IncomingHttpHeaders {
    return this.req.headers;
  }

  log(level: 'error' | 'warn' | 'notice' | 'info', message: string): void {
    this.conf.log.log(level, message);
  }

  // VariableContext
  get method(): string {
    return this.req.method ?? 'GET';
  }
  get uri(): string {
    return this.route.path;
  }
  get host(): string {
    return this.route.host;
  }
  get requestUri(): string {
    return this.req.url ?? '/';
  }
  get requestLine(): string {
    return `${this.method} ${this.requestUri} HTTP/${this.req.httpVersion}`;
  }
  requestId(): string {
    return (this.#requestId ??= newRequestId());
  }
  status(): number {
    return this.statusCode >= 0 ? this.statusCode : this.res.statusCode;
  }
  bodyBytesSent(): number {
    if (this.#bodyBytes !== undefined) return this.#bodyBytes;
    // What went out on the socket for this response, less its header block.
    const header = (this.res as unknown as { _header?: string })._header ?? '';
    return Math.max(0, this.req.socket.bytesWritten - this.#bytesAtStart - Buffer.byteLength(header, 'latin1'));
  }
  /** Bytes sent for this request so far: head and body (what went out on its socket since it began). */
  bytesSent(): number {
    return Math.max(0, this.req.socket.bytesWritten - this.#bytesAtStart);
  }

  /** Bytes received for this request: its head (as sent) and its body. */
  bytesReceived(): number {
    const req = this.req;
    let head = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 12;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i++) head += raw[i].length + 2;
    const length = Number(req.headers['content-length']);
    return head + 2 + (Number.isFinite(length) ? length : 0);
  }

  /** Freezes $body_bytes_sent at the end of the response. */
  finish(): void {
    this.#bodyBytes = this.bodyBytesSent();
  }
  requestTime(): number {
    return Date.now() - this.startedAt;
  }
  timeLocal(): string {
    return timeLocalAt(this.startedAt);
  }
  header(name: string): string | undefined {
    return this.route.header(name);
  }
  cookie(name: string): string | undefined {
    return this.route.cookies().first(name);
  }
  arg(name: string): string | undefined {
    return this.route.arguments().last(name);
  }
  responseHeader(key: string): string | undefined {
    for (const name of this.res.getHeaderNames()) {
      if (responseHeaderKey(name) === key) {
        const v = this.res.getHeader(name);
        return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
      }
    }
    return undefined;
  }

  /**
   * Sends the status line and headers: Server, then the action's headers,
   * then every response_headers change on the way (set, or null to delete);
   * then settings.http.compression may encode the body. Every answer the
   * engine makes (share, return, proxy, an application's) passes here.
   */
  writeHead(status: number, headers: HeaderMap = {}): void {
    this.statusCode = status;
    if (status < 100) writeStatusBelow100(this, status, headers);
    else this.writeNodeHead(status, headers);
  }

  /** The head as Node writes it, for a status Node accepts (100-999); $status reads statusCode. */
  writeNodeHead(status: number, headers: HeaderMap): void {
    const res = this.res;
    // An answer that names its server (an application's own Server header, in any case) keeps it.
    let named = false;
    for (const name in headers) if (name.length === 6 && name.toLowerCase() === 'server') named = true;
    const compression = this.conf.http.compression;
    if (this.headerChanges.length === 0 && compression === undefined) {
      // The common case in one pass, as a plain Node server writes it.
      res.writeHead(status, named ? headers : { Server: this.conf.serverHeader, ...headers });
      return;
    }
    res.statusCode = status;
    if (!named) res.setHeader('Server', this.conf.serverHeader);
    for (const name of Object.keys(headers)) res.setHeader(name, headers[name]);
    for (const changes of this.headerChanges) changes.apply(this);
    // After response_headers: a Content-Type or Content-Encoding they set counts.
    // (A status under 100 is made as 200 here and has no body to encode.)
    if (compression !== undefined && this.statusCode >= 100) {
      status = startCompression(compression, this.req, res, status);
      this.statusCode = status;
    }
    res.writeHead(status);
  }

  /** writeHead() for an answer of Weft's own (an error page): no action's response_headers. */
  writeErrorHead(status: number, headers: HeaderMap = {}): void {
    this.headerChanges = [];
    this.writeHead(status, headers);
  }
}

/**
 * A "return" of 0-99 (Unit accepts 0-999 and sends it as "HTTP/1.1 000 \r\n",
 * its form for a status it has no reason phrase for). Node refuses a status
 * under 100, so the head is made for 200 and its status line replaced before
 * anything is sent: keep-alive and pipelining stay Node's.
 */
function writeStatusBelow100(ctx: RequestContext, status: number, headers: HeaderMap): void {
  const res = ctx.res;
  ctx.writeNodeHead(200, headers);
  const head = res as unknown as { _header: string | null };
  if (typeof head._header === 'string') {
    head._header = `HTTP/1.1 ${String(status).padStart(3, '0')} \r\n${head._header.slice(head._header.indexOf('\r\n') + 2)}`;
  }
  res.statusCode = status;
}
