// Client connections of a listener the router accepts, given to the
// application they are for: the router reads a new connection's first
// bytes, previews where that first request goes (request/route-preview.ts),
// and when it is an application that runs Weft's request engine
// (Configuration.handoff), hands the connection itself (its fd, and the
// bytes read) to one of that application's processes. The process serves
// it from then on as if it had accepted it on its own listener: every
// request decided again by its engine, its own app's in place, the rest
// relayed back to a router. So a listener that needs the router (several
// applications) costs the router one read and one decision per connection,
// not a hop per request, and a router that dies costs none of them.
// Everything else (no complete head in the first read, a file, a proxy, a
// return, no process free) stays with the router, untouched.
import type net from 'node:net';

import { socketHandleFd } from '../../../node-internals/http-private-fields.js';
import { usable } from '../../../node-internals/node-internal.js';
import { answerHeaderReadTimeout } from '../../../request/client-error.js';
import { readRequestHead } from '../../../request/request-head.js';
import { previewDecision } from '../../../request/route-preview.js';
import { RELAYED } from '../http/relayed.js';
import type { RelayedSocket } from '../http/relayed.js';
import type { Configuration } from '../configuration.js';

/** Where the configuration in force is found (the router's state). */
export interface ConfigurationSource {
  readonly current: Configuration | null;
}

/** A connection the router serves itself whatever it carries (one an application gave back). */
export const KEEP = Symbol('weft.keep');

export type GatedSocket = RelayedSocket & { [KEEP]?: true };

type ConnectionListener = (this: net.Server, socket: net.Socket) => void;

/**
 * Puts the handoff in front of a plain HTTP server: its own 'connection'
 * listeners (Node's HTTP server's, the router's counters) run only for the
 * connections the router keeps. Call it after they are all installed.
 */
export function gateConnections(server: net.Server, address: string, state: ConfigurationSource): void {
  const own = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const serve = (socket: net.Socket): void => {
    for (const listener of own) listener.call(server, socket);
  };
  server.on('connection', (socket: GatedSocket) => {
    const apps = state.current?.handoff.get(address);
    if (apps === undefined || socket[KEEP] || socket[RELAYED] !== undefined || !usable(socketHandleFd)) {
      serve(socket);
      return;
    }
    const conf = state.current!;
    firstBytes(socket, conf.http.headerReadTimeoutMs, conf.serverHeader, (data) => {
      if (!handOver(socket, data, address, state)) keep(socket, data, serve);
    });
  });
}

/**
 * Waits for the connection's first read; what comes instead is settled
 * here: an error or the end closes it; silence past header_read_timeout
 * gets the 408 the router's HTTP server would have sent (a browser's
 * preconnected socket that speaks later is still handed over).
 */
function firstBytes(socket: net.Socket, timeoutMs: number, serverHeader: string, then: (data: Buffer) => void): void {
  const done = (): void => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('error', onGone);
    socket.removeListener('end', onGone);
  };
  const onData = (data: Buffer): void => {
    done();
    then(data);
  };
  const onGone = (): void => {
    done();
    socket.destroy();
  };
  const timer = setTimeout(() => {
    done();
    socket.on('error', () => undefined);
    answerHeaderReadTimeout(socket, serverHeader);
  }, timeoutMs);
  socket.on('data', onData);
  socket.on('error', onGone);
  socket.on('end', onGone);
}

/** The router serves it: what was read is read again first, by Node's HTTP server. */
function keep(socket: net.Socket, data: Buffer, serve: (socket: net.Socket) => void): void {
  socket.pause();
  socket.unshift(data);
  serve(socket);
  socket.resume();
}

/** Hands the connection to a process of the application its first request is for; false: it stays. */
function handOver(socket: net.Socket, data: Buffer, address: string, state: ConfigurationSource): boolean {
  const conf = state.current;
  const listener = conf?.listeners.get(address);
  const apps = conf?.handoff.get(address);
  if (!conf || !listener || !apps) return false;
  const head = readRequestHead(data, conf.http.maxHeaderSize);
  const decision = head && previewDecision(conf.engine, listener, head, socket);
  if (decision?.kind !== 'application' || !apps.has(decision.name)) return false;
  const taker = conf.directory.connectionTaker(decision.name);
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (!taker || typeof fd !== 'number' || fd < 0) return false;
  if (!taker.takeConnection(address, data, fd)) return false;
  // Within the read that brought the bytes: nothing more is read here, the
  // rest waits in the socket for the process. Closing the router's copy of
  // the fd neither ends nor resets the connection.
  socket.destroy();
  return true;
}
