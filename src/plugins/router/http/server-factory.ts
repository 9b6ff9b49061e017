// Servers for listeners: Node's HTTP/1.1 server (llhttp, strict) on an fd
// from main. Protocol errors get Unit's error page before the connection
// closes: 400 for a malformed request, 431 for headers too large, 408 when
// the header does not arrive within header_read_timeout.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

import { attachSessionCache } from '../tls/session-cache.js';

import type { RouterState } from '../router-state.js';
import type { ServerFactory } from '../listeners/listener-set.js';
import { errorPage } from '../../../request/error-page.js';
import { handleRequest } from './handle-request.js';

/** Unit reads a request header in up to 4 buffers of 8 KiB. */
const MAX_HEADER_SIZE = 32 * 1024;

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function clientErrorStatus(error: NodeJS.ErrnoException): number | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    default:
      return 400;
  }
}

export function onClientError(state: RouterState) {
  return (error: NodeJS.ErrnoException, socket: net.Socket): void => {
    const status = clientErrorStatus(error);
    if (status === undefined || !socket.writable || (socket as unknown as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const body = errorPage(status);
    const server = state.current?.serverHeader ?? 'Weft';
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nServer: ${server}\r\nContent-Type: text/html\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}

export function serverFactory(state: RouterState): ServerFactory {
  return (address, kind, fd) => {
    if (kind === 'direct') {
      // The application processes accept on this socket; the router does not.
      fs.closeSync(fd);
      return new net.Server();
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const conf = state.current;
      const listener = conf?.listeners.get(address);
      if (!conf || !listener) {
        res.destroy();
        return;
      }
      handleRequest(conf, listener, req, res, state.counters);
    };
    // Node checks header_read_timeout on an interval; a second keeps 408s prompt.
    // Host is checked by the router, so that its 400 is Unit's page.
    const common = { maxHeaderSize: MAX_HEADER_SIZE, requestTimeout: 0, connectionsCheckingInterval: 1000, requireHostHeader: false };
    let server: http.Server;
    if (kind === 'http') {
      server = http.createServer(common, handler);
    } else {
      const setup = state.current!.tls.get(address)!;
      const secure = https.createServer({ ...common, ...setup.options }, handler);
      attachSessionCache(secure, setup.sessionCacheSize);
      server = secure;
    }
    const settings = state.current?.http;
    if (settings) {
      server.headersTimeout = settings.headerReadTimeoutMs;
      server.keepAliveTimeout = settings.idleTimeoutMs;
      // Inactivity while a request is in progress: send_timeout (idle
      // keep-alive connections use idle_timeout instead).
      server.timeout = settings.sendTimeoutMs;
    }
    // An Upgrade (WebSocket) takes the same path as any request; only the
    // actions that can carry it (proxy, applications) splice the socket, the
    // others answer on it and close it.
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const conf = state.current;
      const listener = conf?.listeners.get(address);
      if (!conf || !listener) {
        socket.destroy();
        return;
      }
      const res = new http.ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.once('finish', () => {
        if (!socket.destroyed && res.statusCode !== 101) socket.end();
      });
      handleRequest(conf, listener, req, res, state.counters, { socket, head });
    });
    // TLS servers see the TLS socket in 'secureConnection'; both count once.
    server.on(kind === 'http' ? 'connection' : 'secureConnection', (socket: net.Socket) => state.counters.connection(socket));
    server.on('clientError', onClientError(state));
    server.listen({ fd });
    return server;
  };
}
