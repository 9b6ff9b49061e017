// A connection an application process handed over (relay, see
// app-runtime/edge/relay.ts) carries the client it came from. Who that
// client is comes from the client's own socket, sent beside the relay: never
// from what the application process says, since it runs user code (and a
// forged address would pass `match.source` on the router's routes).
import type net from 'node:net';

import { socketNames } from '../../../native/index.js';
import type { SocketEndpoint } from '../../../request/routing/index.js';

export const RELAYED = Symbol('weft.relayed');

export type RelayedSocket = net.Socket & { [RELAYED]?: SocketEndpoint | null };

const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * The relayed connection's client (null on a unix listener, as for one the
 * router accepts), or undefined when `clientFd` is not a connection accepted
 * on the listening socket `listenerFd`: nothing else can be bound where the
 * listener is, so an app cannot pass a socket of its own making.
 */
export function relayedClient(clientFd: number, listenerFd: number): SocketEndpoint | null | undefined {
  let client;
  let listener;
  try {
    client = socketNames(clientFd);
    listener = socketNames(listenerFd);
  } catch {
    return undefined;
  }
  // No peer: a listening socket (the app holds its listener's), not a client.
  if (client.peer === null || client.family !== listener.family) return undefined;
  if (client.family === 'unix') return client.local.path === listener.local.path ? null : undefined;
  if (client.family === 'other') return undefined;
  const { local } = client;
  const anyHost = WILDCARDS.has(listener.local.address ?? '');
  if (local.port !== listener.local.port || (!anyHost && local.address !== listener.local.address)) return undefined;
  return { address: client.peer.address!, port: client.peer.port! };
}
