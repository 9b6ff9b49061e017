// Routed mode for processes that speak Weft's frames (the Python runtime):
// the request the router already parsed goes as one head frame (method,
// target, decoded path, query, headers, client and server addresses, the
// app's target) and body frames; the answer comes back as frames into the
// client's response. The same guarantees as HTTP/1.1 to Node apps
// (forward-lifecycle.ts): a request the process never read goes to another one,
// a process that dies fails only what it held, limits.timeout is a 503.
import http from 'node:http';

import { errorResponse } from '../../../request/error-response.js';
import { hopByHop, upstreamPath } from '../../../request/forwarding.js';
import type { RequestContext } from '../../../request/request-context.js';
import { requestHasBody } from '../../../transport/frames/index.js';
import type { FrameExchange, FrameRequest } from '../../../transport/frames/index.js';
import type { AppProcess } from './app-process.js';
import { forwardExchange } from './forward-lifecycle.js';
import type { ForwardOutcome } from './forward-lifecycle.js';

function frameRequest(ctx: RequestContext, appTarget: string | undefined, upgrade: boolean): FrameRequest {
  const { req } = ctx;
  const raw = ctx.rawHeaders;
  const dropped = hopByHop(raw);
  const headers: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    // An upgrade keeps the fields that ask for it (the app answers them).
    if (dropped(lower) && !(upgrade && (lower === 'upgrade' || lower === 'connection'))) continue;
    headers.push(raw[i], raw[i + 1]);
  }
  const socket = req.socket;
  return {
    method: ctx.method,
    target: upstreamPath(ctx),
    // The decoded, normalised path as bytes (the route's view of it, after any rewrite).
    path: Buffer.from(ctx.path, 'latin1'),
    query: ctx.query,
    version: req.httpVersion,
    scheme: ctx.route.tls ? 'https' : 'http',
    remoteAddress: ctx.remoteAddr,
    remotePort: socket.remotePort ?? 0,
    serverAddress: socket.localAddress ?? '',
    serverPort: socket.localPort ?? 0,
    serverName: ctx.host || (socket.localAddress ?? ''),
    appTarget: appTarget ?? '',
    rawHeaders: headers,
    body: requestHasBody(req.headers, upgrade),
    upgrade,
  };
}

export function forwardToAppFrames(
  ctx: RequestContext,
  p: AppProcess,
  appTarget: string | undefined,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<ForwardOutcome> {
  if (ctx.upgrade) return tunnelToAppFrames(ctx, p, appTarget);
  const { req } = ctx;
  const request = frameRequest(ctx, appTarget, false);
  return new Promise((resolve) => {
    const { connection, counter } = p.acquireFrames();
    const readBefore = counter?.read() ?? 0;
    // The client went away before the answer was complete: the app hears of it.
    const forward = forwardExchange(ctx, connection, { timeoutMs, onTimeout, clientGone: () => call.abort() }, resolve);
    const exchange: FrameExchange = {
      head: forward.head,
      body: forward.body,
      end: forward.end,
      fail: (_error, started) => {
        const taken = counter === undefined || counter.read() !== readBefore;
        forward.fail(!started && !taken && !request.body);
      },
    };
    const call = connection.start(request, exchange);
    if (request.body) call.pipeFrom(req);
  });
}

/** WebSocket (any Upgrade) to a frames process: its own connection, a raw tunnel once the app answers 101. */
function tunnelToAppFrames(ctx: RequestContext, p: AppProcess, appTarget: string | undefined): Promise<ForwardOutcome> {
  const { connection } = p.acquireFrames();
  const client = ctx.upgrade!.socket;
  const head = ctx.upgrade!.head;
  return new Promise((resolve) => {
    let answered = false;
    const close = (): void => {
      client.destroy();
      connection.destroy();
      resolve('done');
    };
    const exchange: FrameExchange = {
      head: (status, headers) => {
        ctx.statusCode = status;
        let text = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nServer: ${ctx.conf.serverHeader}\r\n`;
        for (let i = 0; i + 1 < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
        if (status !== 101) text += 'Connection: close\r\n';
        client.write(`${text}\r\n`, 'latin1');
        answered = true;
      },
      body: (chunk) => client.write(chunk),
      end: close,
      fail: () => {
        if (!answered) errorResponse(ctx, 502);
        close();
      },
      upgraded: (socket, rest) => {
        if (rest.length > 0) client.write(rest);
        if (head.length > 0) socket.write(head);
        socket.pipe(client);
        client.pipe(socket);
        socket.on('close', close);
        client.on('close', close);
        socket.on('error', close);
        client.on('error', close);
      },
    };
    connection.start(frameRequest(ctx, appTarget, true), exchange);
  });
}
