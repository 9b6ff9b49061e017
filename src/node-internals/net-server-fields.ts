// net.Server's private fields that the application host sets on a server
// it captured (runtime/net-internals.ts, runtime/captured-server.ts): the
// app's server never binds, yet `listening`, `address()`, `close(cb)` and
// its single 'close' event, `ref()`/`unref()` and `getConnections()` must
// behave as for a bound one, including in subclasses that override them.
//
// Why not the public path: `server.listen({ fd })` would make Node accept
// on a socket itself, so the host could no longer hand the app connections
// a router accepted (routed mode), count them, or cut them at
// limits.timeout; re-implementing those methods on the instance would break
// apps and frameworks that subclass net.Server or wrap them. No measured
// alternative exists: this is a refuse-to-start internal. Same fields and
// meaning on Node 20, 22, 24 and 26 (probe below).
import net from 'node:net';

import type { NodeInternal } from './node-internal.js';

interface Fields {
  _handle: object | null;
  _pipeName?: string;
  _connections: number;
  _unref?: boolean;
  _emitCloseIfDrained(): void;
}

/** Sets a stand-in handle on a fresh server and checks that Node's own methods read the fields as the host expects. */
function probe(): string | undefined {
  const server = new net.Server();
  const f = server as unknown as Fields;
  if (f._handle !== null) return `a new server's _handle is ${typeof f._handle}, not null`;
  if (f._connections !== 0) return `a new server's _connections is ${String(f._connections)}, not 0`;
  if (typeof f._emitCloseIfDrained !== 'function') return '_emitCloseIfDrained is not a method';
  server.unref();
  if (f._unref !== true) return 'unref() before listen() no longer sets _unref';
  let closed = false;
  let drainedChecks = 0;
  f._handle = {
    close: () => {
      closed = true;
    },
  };
  f._pipeName = '/probe.sock';
  if (!server.listening) return 'listening does not follow _handle';
  if (server.address() !== '/probe.sock') return 'address() of a handle without getsockname does not return _pipeName';
  f._emitCloseIfDrained = () => void drainedChecks++;
  server.close();
  if (!closed) return 'close() did not close _handle';
  if (f._handle !== null) return 'close() left _handle set';
  if (drainedChecks !== 1) return 'close() did not call _emitCloseIfDrained';
  return undefined;
}

export const netServerFields: NodeInternal = {
  id: 'net-server-fields',
  name: 'net.Server#_handle, _pipeName, _connections, _unref, _emitCloseIfDrained',
  usedBy: ['application'],
  where: ['src/app-runtime/host/net-internals.ts', 'src/app-runtime/host/captured-server.ts'],
  why: 'server.listen({fd}) would make Node accept on its own: no routed connections handed over, no counting or limits.timeout by the host',
  missing: 'refuse',
  probe,
};
