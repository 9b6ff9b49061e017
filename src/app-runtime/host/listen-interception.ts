// The one global change the host makes to Node's networking: listen() on
// net.Server.prototype (http.Server and https.Server inherit it) asks the
// host first, and binds as usual for every server the host does not take.
import net from 'node:net';

import type { OriginalListen } from './captured-server.js';
import { ErrorCodes, WeftError } from '../../errors.js';

export interface ListenInterception {
  /** Node's listen, for servers the host listens with itself (its acceptors). */
  readonly original: OriginalListen;
}

let installed = false;

/**
 * `capture` returns true when it took the call (listen() then returns the
 * server, as node's does). Once per process: two hosts would fight over the
 * app's servers.
 */
export function interceptListen(capture: (server: net.Server, args: unknown[]) => boolean): ListenInterception {
  if (installed) throw new WeftError(ErrorCodes.APP_HOST_STATE, 'listen() is already intercepted in this process: one AppHost per process');
  installed = true;
  const prototype = net.Server.prototype as unknown as { listen: OriginalListen };
  const original = prototype.listen;
  prototype.listen = function listen(this: net.Server, ...args: unknown[]): net.Server {
    if (capture(this, args)) return this;
    return original.apply(this, args);
  };
  // What an app can read of the function is node's (its name is '' on Node 20 to 26).
  Object.defineProperty(prototype.listen, 'name', { value: original.name });
  Object.defineProperty(prototype.listen, 'length', { value: original.length });
  return { original };
}
