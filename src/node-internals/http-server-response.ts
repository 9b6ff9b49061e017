// http.Server's response class slot and ServerResponse's header hooks
// (runtime/response-class.ts says how the host uses them).
//
// Why not the public path: per-request 'request' listeners plus
// res.setHeader('Server') measured +35% CPU per hello-world request over
// plain Node; the subclass installed in the slot, about +5%. The slot is
// where `http.createServer({ ServerResponse })` (public) keeps its class,
// but there is no public way to change it on a server the app created.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';

import type { NodeInternal } from './node-internal.js';

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((s) => s.description === description);
}

function probeResponseClass(): string | undefined {
  const server = new http.Server();
  const key = symbolNamed(server, 'ServerResponse');
  if (key === undefined) return 'http.Server has no symbol-keyed ServerResponse slot';
  const cls = (server as unknown as Record<symbol, unknown>)[key];
  if (cls !== http.ServerResponse) return "the slot does not hold the server's response class";
  if (typeof (http.ServerResponse.prototype as unknown as { _storeHeader?: unknown })._storeHeader !== 'function') {
    return 'ServerResponse.prototype._storeHeader is not a method';
  }
  return undefined;
}

function probeOutHeaders(): string | undefined {
  const res = new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} } as IncomingMessage);
  res.setHeader('X-Probe', '1');
  const key = symbolNamed(res, 'kOutHeaders');
  if (key === undefined) return 'ServerResponse has no kOutHeaders symbol';
  const map = (res as unknown as Record<symbol, Record<string, unknown>>)[key];
  const entry = map?.['x-probe'];
  if (!Array.isArray(entry) || entry[0] !== 'X-Probe' || entry[1] !== '1')
    return 'kOutHeaders no longer maps lower-case names to [name, value]';
  return undefined;
}

export const serverResponseClass: NodeInternal = {
  id: 'server-response-class',
  name: "http.Server[Symbol('ServerResponse')], ServerResponse.prototype._storeHeader",
  usedBy: ['application'],
  where: ['src/app-runtime/host/response-class.ts'],
  why: "a 'request' listener and setHeader('Server') per request: measured +35% CPU per hello-world request, against +5%",
  missing: 'refuse',
  probe: probeResponseClass,
};

export const outHeaders: NodeInternal = {
  id: 'out-headers',
  name: "ServerResponse[Symbol('kOutHeaders')]",
  usedBy: ['application'],
  where: ['src/app-runtime/host/response-class.ts'],
  why: 'recognises the header map _storeHeader gets without walking it; the fallback walks its keys (same answer, a loop per response)',
  missing: 'fallback',
  fallback: "whether the app set a Server header is found by walking the response's header map",
  probe: probeOutHeaders,
};
