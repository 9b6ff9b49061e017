// What happens to a request the router accepted: it starts (validation,
// see request/start-request.ts), the listener's "pass" decides where it
// goes (request/decide.ts), and the router carries that out.
import type http from 'node:http';
import type net from 'node:net';

import { decideDestination } from '../../../request/decide.js';
import type { ListenerConf } from '../../../request/engine.js';
import { errorResponse } from '../../../request/error-response.js';
import { startRequest } from '../../../request/start-request.js';
import type { RequestMetrics } from '../../../request/request-metrics.js';
import type { SocketEndpoint } from '../../../request/routing/index.js';
import type { Configuration } from '../configuration.js';
import type { Counters } from '../status/counters.js';
import { execute } from './run-action.js';

export function handleRequest(
  conf: Configuration,
  listener: ListenerConf,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  counters: Counters | undefined,
  upgrade?: { socket: net.Socket; head: Buffer },
  peer?: SocketEndpoint | null,
  metrics?: RequestMetrics,
): void {
  const ctx = startRequest(conf, listener, req, res, { counters, accessLog: conf.accessLog, upgrade, peer, metrics });
  if (!ctx) return;
  const destination = listener.pass(ctx);
  if (!destination) {
    errorResponse(ctx, 404);
    return;
  }
  execute(ctx, decideDestination(ctx, conf.engine, destination, 0)).catch((e: Error) => {
    conf.log.alert(`a request to ${listener.address} failed: ${e.stack ?? e.message}`);
    errorResponse(ctx, 500);
  });
}
