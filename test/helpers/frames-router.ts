// A stand-in for the router's side of Weft's frames transport, for tests and
// as the reference of how the router plugs src/transport/frames/ in: an HTTP
// server (on a kernel-chosen port) whose every request goes to one Python
// process over a pool of FrameConnections, with its answer streamed back;
// WebSocket upgrades become raw tunnels once the app answers 101.
import http from 'node:http';
import type net from 'node:net';

import type { ExecutionContext } from 'ava';

import { requestHasBody } from '../../src/transport/frames/index.js';
import type { FrameConnection, FrameExchange, FrameRequest } from '../../src/transport/frames/index.js';
import type { PythonApp } from './python-app.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** The path's bytes, percent-decoded once (what the router hands on as "path"). */
export function decodePath(raw: string): Buffer {
  const bytes = Buffer.from(raw, 'latin1');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x25 && i + 2 < bytes.length) {
      const hex = Number.parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
      if (!Number.isNaN(hex)) {
        out[n++] = hex;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

export function frameRequestOf(req: http.IncomingMessage, appTarget: string, upgrade = false): FrameRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const raw = req.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) && !(upgrade && (lower === 'upgrade' || lower === 'connection'))) continue;
    headers.push(raw[i], raw[i + 1]);
  }
  const host = req.headers.host ?? '';
  const socket = req.socket;
  return {
    method: req.method ?? 'GET',
    target: url,
    path: decodePath(q < 0 ? url : url.slice(0, q)),
    query: q < 0 ? '' : url.slice(q + 1),
    version: req.httpVersion,
    scheme: 'http',
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    serverAddress: socket.localAddress ?? '',
    serverPort: socket.localPort ?? 0,
    serverName: host.replace(/:\d+$/, '') || (socket.localAddress ?? ''),
    appTarget,
    rawHeaders: headers,
    body: requestHasBody(req.headers, upgrade),
    upgrade,
  };
}

export interface FramesRouter {
  port: number;
  /** Connections made to the app so far. */
  opened(): number;
  /** Connections back in the pool, ready for a request. */
  idle(): number;
}

export async function framesRouter(
  t: ExecutionContext,
  app: PythonApp,
  appTarget: (req: http.IncomingMessage) => string = () => '',
): Promise<FramesRouter> {
  const idle: FrameConnection[] = [];
  let opened = 0;
  const acquire = (): FrameConnection => {
    for (let c = idle.pop(); c; c = idle.pop()) if (c.idle) return c;
    opened++;
    return app.frames((c) => idle.push(c));
  };
  const server = http.createServer((req, res) => {
    const connection = acquire();
    let done = false;
    const exchange: FrameExchange = {
      head: (status, headers) => res.writeHead(status, headers),
      body: (chunk) => res.write(chunk),
      end: () => {
        done = true;
        res.end();
      },
      fail: (_error, started) => {
        done = true;
        if (started) res.destroy();
        else {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end('bad gateway');
        }
      },
    };
    res.on('drain', () => connection.resumeReading());
    const request = frameRequestOf(req, appTarget(req));
    const call = connection.start(request, exchange);
    res.on('close', () => {
      if (!done) call.abort();
    });
    if (request.body) call.pipeFrom(req);
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const connection = app.frames();
    opened++;
    let answered = false;
    const exchange: FrameExchange = {
      head: (status, headers) => {
        let text = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n`;
        for (let i = 0; i + 1 < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
        if (status !== 101) text += 'Connection: close\r\n';
        client.write(`${text}\r\n`);
        answered = true;
      },
      body: (chunk) => client.write(chunk),
      end: () => {
        client.end();
        connection.destroy();
      },
      fail: () => {
        if (!answered) client.write('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        client.destroy();
      },
      upgraded: (socket, rest) => {
        if (rest.length > 0) client.write(rest);
        if (head.length > 0) socket.write(head);
        socket.pipe(client);
        client.pipe(socket);
        const end = (): void => {
          socket.destroy();
          client.destroy();
        };
        socket.on('close', end);
        client.on('close', end);
        socket.on('error', end);
        client.on('error', end);
      },
    };
    connection.start(frameRequestOf(req, appTarget(req), true), exchange);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        for (const c of idle) c.destroy();
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, opened: () => opened, idle: () => idle.filter((c) => c.idle).length };
}
