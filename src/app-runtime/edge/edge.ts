// The request engine of an application process: what it runs on every
// request that comes in on a listener it accepts on itself, before the app
// sees anything. The same engine as the router's (request/), compiled from
// the same configuration, so a request gets the same answer whichever
// process accepted it: the same validation (a malformed target, a missing
// or doubled Host are refused with Unit's 400 page), the same routes. A
// request for this process's own application goes on to the app's handler
// (rewritten when a route rewrote it, with the route's response_headers,
// logged, and watched for limits.timeout); a "return" or an error is
// answered here; anything else (a file, a proxy, another application) goes
// to a router (relay.ts), which decides it again.
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';

import type { Logger } from '../../kernel/log/logger.js';
import type { AccessLogWriter } from '../../request/access-log/access-log-writer.js';
import type { CompiledFormat } from '../../request/access-log/access-log-format.js';
import type { RawAction } from '../../request/actions.js';
import { answerClientError, answerConnect, answerRemovedListenerRequest } from '../../request/client-error.js';
import { decideDestination } from '../../request/decide.js';
import { RequestEngine } from '../../request/engine.js';
import type { RawEngineConfig } from '../../request/engine.js';
import { errorResponse } from '../../request/error-response.js';
import { upstreamPath } from '../../request/forwarding.js';
import type { RequestContext } from '../../request/request-context.js';
import type { RequestMetrics } from '../../request/request-metrics.js';
import { returnAction } from '../../request/return-response.js';
import { applyServerOptions } from '../../request/server-options.js';
import { startRequest } from '../../request/start-request.js';
import { CLIENT_HEADER } from '../../protocol/application.js';
import { DIRECT } from '../host/direct-traffic.js';
import type { DirectSocket } from '../host/direct-traffic.js';
import { limitChunkedBody } from './body-limit.js';
import type { Relay } from './relay.js';
import { TimeoutGuard } from './timeout-guard.js';
import { oweContinue, sendContinue } from '../../request/expect-continue.js';
import { addHeaderLine } from '../../node-internals/http-private-fields.js';
import { usable } from '../../node-internals/node-internal.js';

/** A response whose access log line is due when it closes. */
const LOG = Symbol('weft.access-log');
type LoggedResponse = ServerResponse & { [LOG]?: RequestContext };

/** An application process's engine: shares and proxies are the router's to carry out. */
type EdgeEngine = RequestEngine<RawAction, string>;

export interface EdgeOptions {
  app: string;
  engine: RawEngineConfig;
  log: Logger;
  version: string;
  serverHeader: string;
  accessLog: AccessLogWriter | undefined;
  timeoutMs: number;
  relay: Relay;
  /** The process's request metrics (they outlive each configuration's edge). */
  metrics: RequestMetrics;
  /** A request of its own ran past limits.timeout. */
  timedOut(): void;
}

export class Edge {
  readonly engine: EdgeEngine;
  #o: EdgeOptions;
  #accessLog: { format: CompiledFormat; writer: AccessLogWriter } | undefined;
  #guard: TimeoutGuard | undefined;

  constructor(o: EdgeOptions) {
    this.#o = o;
    // Every listener of the configuration, not only those this process
    // accepts on or is handed connections of: a connection it holds keeps
    // being served as its listener says for as long as the listener exists
    // (the router may stop handing that listener's connections over, or
    // accept it itself, after a change), and gets 408 once it is removed.
    // A listener costs a compiled pass and client rule, nothing per request.
    this.engine = new RequestEngine<RawAction, string>(o.engine, {
      log: o.log,
      version: o.version,
      share: (raw) => raw,
      proxy: (address) => address,
    });
    const format = this.engine.accessLogFormat;
    this.#accessLog = format && o.accessLog ? { format, writer: o.accessLog } : undefined;
    if (o.timeoutMs > 0) this.#guard = new TimeoutGuard(o.timeoutMs, this.engine.serverHeader, o.timedOut);
  }

  configureServer(server: http.Server): void {
    applyServerOptions(server, this.engine.http);
    // Node emits CONNECT only to a server with a listener (else it drops the
    // connection): this one lets Weft's connections get Unit's 400 (the
    // request tracker answers them before any listener); on the app's own
    // connections it does what Node would, unless the app listens itself.
    if (!server.listeners('connect').includes(dropConnect)) server.on('connect', dropConnect);
  }

  connect(socket: net.Socket): void {
    answerConnect(socket, this.engine.serverHeader);
  }

  clientError(error: NodeJS.ErrnoException, socket: net.Socket): void {
    answerClientError(error, socket, this.engine.serverHeader);
  }

  admit(req: IncomingMessage, res: ServerResponse, owesContinue: boolean): boolean {
    // Whoever answers or relays it owes the 100 Continue (request/expect-continue.ts); the app's own requests are its to answer.
    if (owesContinue) oweContinue(res);
    const address = (req.socket as DirectSocket)[DIRECT]!;
    const listener = this.engine.listeners.get(address);
    if (!listener) {
      // Its listener was removed while the connection stayed open (Unit: 408, the router's answer).
      answerRemovedListenerRequest(res, this.engine.serverHeader);
      return false;
    }
    // The access log line is written when the response closes (end()), for what this process answers.
    const ctx = startRequest(this.engine, listener, req, res, { rejected: (c) => this.#logLater(c) });
    if (!ctx) return false;
    const destination = listener.pass(ctx);
    const decision = destination ? decideDestination(ctx, this.engine, destination, 0) : ({ kind: 'error', status: 404 } as const);
    switch (decision.kind) {
      case 'application':
        if (decision.name !== this.#o.app) break;
        this.#serveHere(ctx);
        return true;
      // Answered here, as the router answers them: 100 Continue first to a client waiting for one.
      case 'return':
        this.#logLater(ctx);
        sendContinue(res);
        returnAction(ctx, decision.status, decision.location);
        return false;
      case 'error':
        this.#logLater(ctx);
        sendContinue(res);
        errorResponse(ctx, decision.status);
        return false;
    }
    // The router logs what it answers.
    this.#o.relay.forward(ctx, address);
    return false;
  }

  /** This process's own app answers: as the route left it. */
  #serveHere(ctx: RequestContext<EdgeEngine>): void {
    const { req, res } = ctx;
    if (ctx.rewritten) req.url = upstreamPath(ctx);
    // What the router would not pass on (unsafe field names, a client's own
    // X-Weft-Client) does not reach the app from here either.
    if (ctx.rawHeaders !== req.rawHeaders || req.headers[CLIENT_HEADER] !== undefined) keepOnly(req, ctx.rawHeaders);
    if (ctx.headerChanges.length > 0) applyHeaderChanges(ctx);
    if (req.method !== 'GET' && req.method !== 'HEAD') limitChunkedBody(req, res, this.engine.http.maxBodySize, this.engine.serverHeader);
    this.#guard?.watch(ctx);
    this.#logLater(ctx);
  }

  /** What it answers is counted, and logged, when the response closes (end()). */
  #logLater(ctx: RequestContext): void {
    (ctx.res as LoggedResponse)[LOG] = ctx;
  }

  /** The host's hook: a response's head goes out. */
  head(res: ServerResponse): void {
    this.#guard?.head(res);
  }

  /** The host's hook: a response closed: limits.timeout forgets it; its access log line. */
  end(res: ServerResponse): void {
    this.#guard?.end(res);
    const ctx = (res as LoggedResponse)[LOG];
    if (ctx === undefined) return;
    this.#o.metrics.observe(ctx);
    const log = this.#accessLog;
    if (!log) return;
    ctx.finish();
    if (log.format.wanted(ctx)) log.writer.append(log.format.line(ctx));
  }

  /** The access log was opened again (SIGUSR1): later lines go to `fd`. */
  swapAccessLog(fd: number): void {
    this.#o.accessLog?.swap(fd);
  }

  close(): void {
    this.#guard?.stop();
    this.#o.accessLog?.close();
  }
}

function dropConnect(this: http.Server, _req: IncomingMessage, socket: net.Socket): void {
  if (this.listenerCount('connect') === 1) socket.destroy();
}

function keepOnly(req: IncomingMessage, raw: string[]): void {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() !== CLIENT_HEADER) kept.push(raw[i], raw[i + 1]);
  req.rawHeaders = kept;
  // req.headers as Node makes it from raw fields (its rules for repeated ones).
  const headers: Record<string, unknown> = {};
  const add = usable(addHeaderLine)
    ? (req as unknown as { _addHeaderLine?: (name: string, value: string, dst: object) => void })._addHeaderLine
    : undefined;
  for (let i = 0; i + 1 < kept.length; i += 2) {
    if (add) add.call(req, kept[i], kept[i + 1], headers);
    else headers[kept[i].toLowerCase()] ??= kept[i + 1];
  }
  req.headers = headers as IncomingMessage['headers'];
}

/** The route's response_headers, applied when the app's answer goes out (after the app's own headers). */
function applyHeaderChanges(ctx: RequestContext): void {
  const res = ctx.res;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    // writeHead(status[, reason][, headers]): the app's headers first, then the route's changes over them.
    let reason: string | undefined;
    let headers: unknown;
    if (typeof rest[0] === 'string') [reason, headers] = rest;
    else [headers] = rest;
    if (Array.isArray(headers)) {
      const flat = Array.isArray(headers[0]) ? (headers as string[][]).flat() : (headers as string[]);
      for (let i = 0; i + 1 < flat.length; i += 2) this.appendHeader(flat[i], flat[i + 1]);
    } else if (headers && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers as Record<string, string | number | string[]>)) this.setHeader(name, value);
    }
    this.statusCode = status;
    for (const changes of ctx.headerChanges) changes.apply(ctx);
    return reason === undefined
      ? writeHead.call(this, status)
      : (writeHead as (s: number, r: string) => ServerResponse).call(this, status, reason);
  } as typeof res.writeHead;
}
