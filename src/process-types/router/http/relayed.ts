// A connection an application process handed over (relay, see
// application/edge/relay.ts) carries the client it came from.
import type net from 'node:net';

import type { SocketEndpoint } from '../../../request/routing/index.js';

export const RELAYED = Symbol('weft.relayed');

export type RelayedSocket = net.Socket & { [RELAYED]?: SocketEndpoint | null };
