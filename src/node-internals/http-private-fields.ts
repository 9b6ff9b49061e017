// Private fields of Node's HTTP objects that Weft reads on the request
// path, each with a public fallback that is less exact. None is needed for
// a process to start, so each is a "fallback" internal: its probe only
// makes a missing one visible (logged once) instead of silently degrading.
import fs from 'node:fs';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

import { socketPair } from '../native/index.js';
import { usable } from './node-internal.js';
import type { NodeInternal } from './node-internal.js';

export const outgoingHeader: NodeInternal = {
  id: 'outgoing-header',
  name: 'OutgoingMessage#_header',
  usedBy: ['router', 'application'],
  where: ['src/request/request-context.ts'],
  why: "the only place the response head's size is known; body bytes = socket.bytesWritten - head (no public API gives the head)",
  missing: 'fallback',
  fallback: "body_bytes_sent in access logs and metrics counts the response's head too",
  probe: () => {
    const res = new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} } as IncomingMessage);
    const f = res as unknown as { _header?: unknown; _implicitHeader(): void };
    if (!('_header' in f)) return 'ServerResponse has no _header field';
    f._implicitHeader();
    return typeof f._header === 'string' && f._header.startsWith('HTTP/1.1 200 OK\r\n')
      ? undefined
      : '_header does not hold the head once written';
  },
};

export const socketHttpMessage: NodeInternal = {
  id: 'socket-http-message',
  name: 'net.Socket#_httpMessage',
  usedBy: ['router', 'application'],
  where: ['src/request/client-error.ts'],
  why: 'tells whether a response is already on its way when the parser refuses what followed; no public field says so',
  missing: 'fallback',
  fallback: 'a malformed request pipelined behind one in progress may get its 400 before the answer in progress ends',
  probe: () => {
    const socket = new net.Socket();
    try {
      const res = new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} } as IncomingMessage);
      res.assignSocket(socket);
      return (socket as unknown as { _httpMessage?: unknown })._httpMessage === res
        ? undefined
        : 'assignSocket() no longer sets socket._httpMessage';
    } finally {
      socket.destroy();
    }
  },
};

export const addHeaderLine: NodeInternal = {
  id: 'incoming-add-header-line',
  name: 'IncomingMessage#_addHeaderLine',
  usedBy: ['application'],
  where: ['src/app-runtime/edge/edge.ts'],
  why: "rebuilds req.headers with Node's own rules for repeated fields after Weft removed its client header",
  missing: 'fallback',
  fallback: 'repeated request headers keep their first value in req.headers (rawHeaders stays exact)',
  probe: () => {
    const req = new http.IncomingMessage(new net.Socket());
    const add = (req as unknown as { _addHeaderLine?: (n: string, v: string, d: object) => void })._addHeaderLine;
    if (typeof add !== 'function') return '_addHeaderLine is not a method';
    const dst: Record<string, unknown> = {};
    add.call(req, 'Accept', 'a', dst);
    add.call(req, 'Accept', 'b', dst);
    return dst.accept === 'a, b' ? undefined : `repeated fields now join as ${JSON.stringify(dst.accept)}`;
  },
};

export const socketHandleFd: NodeInternal = {
  id: 'socket-handle-fd',
  name: 'net.Socket#_handle.fd',
  usedBy: ['application', 'router'],
  where: ['src/app-runtime/edge/timeout-guard.ts', 'src/process-types/router/listeners/connection-handoff.ts'],
  why: "limits.timeout is enforced by a watchdog thread that shuts the connection's fd down even while the app blocks the event loop; the router hands a client's connection (its fd) to the application process its first request is for; no public API gives a socket's fd",
  missing: 'fallback',
  fallback:
    'limits.timeout is enforced on the event loop only (an app that blocks it is not cut off until it yields); the router keeps every connection of the listeners it accepts and forwards their requests',
  probe: () => {
    // A socket made from a socketpair's fd, as the host makes routed connections.
    const [mine, other] = socketPair('stream');
    const socket = new net.Socket({ fd: mine });
    try {
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      return fd === mine ? undefined : `a socket's _handle.fd is ${String(fd)}, not its fd ${mine}`;
    } finally {
      socket.destroy();
      fs.closeSync(other);
    }
  },
};

const CHECKING_INTERVAL = 'http.server.connectionsCheckingInterval';

function checkingIntervalOf(server: object): symbol | undefined {
  return Object.getOwnPropertySymbols(server).find((sym) => sym.description === CHECKING_INTERVAL);
}

export const serverCheckingInterval: NodeInternal = {
  id: 'server-connections-checking-interval',
  name: `http.Server[Symbol(${CHECKING_INTERVAL})]`,
  usedBy: ['router'],
  where: ['src/process-types/router/listeners/listener-set.ts'],
  why: "a removed listener's server is closed with net.Server's close (http.Server's would drop the idle keep-alive connections Unit answers 408), and only http.Server's close stops Node's timer that checks its connections' timeouts",
  missing: 'fallback',
  fallback: "a removed listener's server keeps its timer (one wake-up every 30 s, no request affected) until the router ends",
  probe: () => {
    const server = http.createServer();
    // The timer is made when the server starts listening.
    server.emit('listening');
    const sym = checkingIntervalOf(server);
    if (sym === undefined) return 'http.Server keeps no connections-checking timer under that symbol';
    clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[sym]);
    return undefined;
  },
};

/** Stops Node's check of a server's connection timeouts (what http.Server's close does besides closing idle connections). */
export function stopConnectionsChecking(server: net.Server): void {
  if (!usable(serverCheckingInterval)) return;
  const sym = checkingIntervalOf(server);
  if (sym !== undefined) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[sym]);
}
