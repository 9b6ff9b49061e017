// Where a connection's first request would go, decided from its head alone
// (request-head.ts), without answering it: the router uses this to hand a
// client's connection to the application its first request is for. It runs
// the same start and the same decision as a request (start-request.ts,
// decide.ts) on a stand-in request, silently (the request is decided again,
// and logged, by whoever serves it); a request the start would refuse, or
// anything that fails here, is "unknown".
import type http from 'node:http';
import type net from 'node:net';

import type { Logger } from '../kernel/log/logger.js';
import { decideDestination } from './decide.js';
import type { Decision } from './decide.js';
import type { ListenerConf, RequestEngine } from './engine.js';
import type { RequestHead } from './request-head.js';
import { startRequest } from './start-request.js';

const QUIET = { log: () => undefined } as unknown as Logger;
const REFUSED = Symbol('weft.preview-refused');

/** The stand-in IncomingMessage: what the start and the routes read of one. */
function standIn(head: RequestHead, socket: net.Socket): http.IncomingMessage {
  const headers: Record<string, string> = {};
  const raw = head.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = headers[name] === undefined ? raw[i + 1] : `${headers[name]}, ${raw[i + 1]}`;
  }
  return {
    method: head.method,
    url: head.url,
    rawHeaders: raw,
    headers,
    httpVersionMajor: head.versionMajor,
    httpVersionMinor: head.versionMinor,
    httpVersion: `${head.versionMajor}.${head.versionMinor}`,
    socket,
  } as unknown as http.IncomingMessage;
}

/** The decision for this head on `listener`, or undefined when it cannot be known without answering. */
export function previewDecision<S, P>(
  engine: RequestEngine<S, P>,
  listener: ListenerConf,
  head: RequestHead,
  socket: net.Socket,
): Decision<S, P> | undefined {
  const view = { log: QUIET, http: engine.http, serverHeader: engine.serverHeader };
  try {
    const ctx = startRequest(view, listener, standIn(head, socket), {} as http.ServerResponse, {
      rejected: () => {
        throw REFUSED;
      },
    });
    if (!ctx) return undefined;
    const destination = listener.pass(ctx);
    return destination ? decideDestination(ctx, engine, destination, 0) : undefined;
  } catch {
    return undefined;
  }
}
