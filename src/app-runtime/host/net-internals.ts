// The few parts of net.Server's implementation the host relies on, in one
// place. A captured server has no bound socket, yet the app must find it
// behaving like a listening one: `listening`, `address()`, `close(cb)` (and
// its 'close' event only once connections are gone), `ref()`/`unref()`,
// `getConnections()`. net.Server implements all of these on four fields that
// have kept their names and meaning since Node's early days (still so in
// Node 20 to 24); setting them lets Node's own code, and any subclass that
// overrides those methods, run unchanged. The app-host tests exercise each.
import type net from 'node:net';

export interface ServerInternals {
  /** The listening handle; `listening` is `!!_handle`, close() closes it, address() asks it. */
  _handle: object | null;
  /** address() of a server listening on a pipe. */
  _pipeName?: string;
  /** Open connections; 'close' waits for this to reach 0. */
  _connections: number;
  /** An unref() made before listen(), applied to the handle when it comes. */
  _unref?: boolean;
  /** Emits 'close' once there is neither a handle nor a connection. */
  _emitCloseIfDrained(): void;
}

export function internalsOf(server: net.Server): ServerInternals {
  return server as unknown as ServerInternals;
}

/** The socket options net.Server applies to each connection it accepts (public fields of every net.Server). */
export interface ConnectionOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

export function connectionOptionsOf(server: net.Server): ConnectionOptions {
  const s = server as unknown as ConnectionOptions;
  return {
    allowHalfOpen: s.allowHalfOpen,
    pauseOnConnect: s.pauseOnConnect,
    noDelay: s.noDelay,
    keepAlive: s.keepAlive,
    keepAliveInitialDelay: s.keepAliveInitialDelay,
    highWaterMark: s.highWaterMark,
  };
}
