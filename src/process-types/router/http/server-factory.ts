// Servers for listeners: Node's HTTP/1.1 server (llhttp, strict) on an fd
// from main. Protocol errors get Unit's error page before the connection
// closes (request/client-error.ts).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

import { nodeHttps, sessionCacheCode } from '../lazy-modules.js';

import type { RouterState } from '../router-state.js';
import { ON_RETIRE } from '../listeners/listener-set.js';
import type { RetiringServer, ServerFactory } from '../listeners/listener-set.js';
import { answerClientError, answerConnect, answerRemovedListener, answerRemovedListenerRequest } from '../../../request/client-error.js';
import { applyTimeouts, SERVER_OPTIONS } from '../../../request/server-options.js';
import { RELAYED } from './relayed.js';
import type { RelayedSocket } from './relayed.js';
import { handleRequest } from './handle-request.js';
import { oweContinue } from '../../../request/expect-continue.js';
import { gateConnections } from '../listeners/connection-handoff.js';

export function onClientError(state: RouterState) {
  return (error: NodeJS.ErrnoException, socket: net.Socket): void =>
    answerClientError(error, socket, state.current?.serverHeader ?? 'Weft');
}

export function serverFactory(state: RouterState): ServerFactory {
  return (address, kind, fd) => {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const conf = state.current;
      const listener = conf?.listeners.get(address);
      if (!conf) {
        res.destroy();
        return;
      }
      if (!listener) {
        answerRemovedListenerRequest(res, conf.serverHeader);
        return;
      }
      // Stopping: this answer closes its connection.
      if (state.draining) res.shouldKeepAlive = false;
      // A relayed request was counted by the application process that accepted it.
      const relayed = (req.socket as RelayedSocket)[RELAYED];
      if (relayed === undefined) handleRequest(conf, listener, req, res, state.counters, undefined, undefined, state.metrics.requests);
      else handleRequest(conf, listener, req, res, undefined, undefined, relayed, state.metrics.requests);
    };
    const common = SERVER_OPTIONS;
    let server: http.Server;
    if (kind === 'http' || kind === 'direct') {
      server = http.createServer(common, handler);
    } else {
      const setup = state.current!.tls.get(address)!;
      const secure = nodeHttps().createServer({ ...common, ...setup.options }, handler);
      sessionCacheCode().attachSessionCache(secure, setup.sessionCacheSize);
      server = secure;
    }
    const settings = state.current?.http;
    if (settings) applyTimeouts(server, settings);
    // Expect: 100-continue is answered by whoever reads the body (expect-continue.ts), not by Node at once.
    server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      oweContinue(res);
      handler(req, res);
    });
    // An Upgrade (WebSocket) takes the same path as any request; only the
    // actions that can carry it (proxy, applications) splice the socket, the
    // others answer on it and close it.
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const conf = state.current;
      const listener = conf?.listeners.get(address);
      if (!conf) {
        socket.destroy();
        return;
      }
      if (!listener) {
        answerRemovedListener(socket, conf.serverHeader);
        return;
      }
      const res = new http.ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.once('finish', () => {
        if (!socket.destroyed && res.statusCode !== 101) socket.end();
      });
      handleRequest(conf, listener, req, res, state.counters, { socket, head }, undefined, state.metrics.requests);
    });
    // TLS servers see the TLS socket in 'secureConnection'; both count once.
    server.on(kind.startsWith('tls') ? 'secureConnection' : 'connection', (socket: RelayedSocket) => {
      if (socket[RELAYED] === undefined) state.counters.connection(socket);
    });
    if (kind.startsWith('tls')) {
      server.on('secureConnection', () => state.metrics.handshake(address, true));
      server.on('tlsClientError', () => state.metrics.handshake(address, false));
      closeHandshakingOnRetire(server);
    }
    server.on('clientError', onClientError(state));
    server.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => answerConnect(socket, state.current?.serverHeader ?? 'Weft'));
    // Last, over every 'connection' listener above: a connection of a plain
    // listener may go to the application its first request is for.
    if (kind === 'http') gateConnections(server, address, state);
    if (kind === 'direct') {
      // The application processes accept on this socket; the router takes
      // only what they hand over (relay), on this same server.
      fs.closeSync(fd);
    } else {
      server.listen({ fd });
    }
    return server;
  };
}

/**
 * Connections of a TLS listener still in their handshake when the listener
 * is removed are closed (Unit); handshaken ones stay, as on any listener.
 */
function closeHandshakingOnRetire(server: net.Server): void {
  const handshaking = new Set<net.Socket>();
  server.on('connection', (raw: net.Socket) => {
    handshaking.add(raw);
    raw.once('close', () => handshaking.delete(raw));
  });
  // The TLS socket wraps the TCP one (its _parent, as Node's tls sets it).
  server.on('secureConnection', (socket: { _parent?: net.Socket }) => {
    if (socket._parent) handshaking.delete(socket._parent);
  });
  (server as RetiringServer)[ON_RETIRE] = () => {
    for (const raw of handshaking) raw.destroy();
    handshaking.clear();
  };
}
