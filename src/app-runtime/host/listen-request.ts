// What an app asked for when it called listen(). Node's listen() takes a
// port (number or numeric string) with a host and backlog, a pipe path, an
// options object, or a handle, in several argument orders; this reads them
// the way net.Server's own argument normalisation does, so that the address
// a captured server reports is the one the app expects.
import net from 'node:net';

export interface ListenRequest {
  /** TCP port asked for; 0 when none was given (Node would pick one). */
  port: number;
  host: string | undefined;
  /** Unix socket path (or Windows pipe name) instead of a port. */
  path: string | undefined;
  /** The app passed a handle or an fd: there is no address to report. */
  handle: boolean;
  callback: ((...args: unknown[]) => void) | undefined;
  signal: AbortSignal | undefined;
}

/** Node's test for "a string that is not a port number". */
function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !(Number(value) >= 0);
}

function badPort(value: unknown): RangeError {
  // Node throws this from listen() for ports out of range; apps that catch
  // it (rare) see the same error under Weft.
  const error = new RangeError(`options.port should be >= 0 and < 65536. Received ${String(value)}.`);
  (error as RangeError & { code: string }).code = 'ERR_SOCKET_BAD_PORT';
  return error;
}

function toPort(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const port = typeof value === 'string' ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw badPort(value);
  return port;
}

export function parseListenArgs(args: unknown[]): ListenRequest {
  const list = [...args];
  const last = list[list.length - 1];
  const callback = typeof last === 'function' ? (list.pop() as ListenRequest['callback']) : undefined;
  const first = list[0];
  const request: ListenRequest = { port: 0, host: undefined, path: undefined, handle: false, callback, signal: undefined };

  if (first !== null && typeof first === 'object') {
    const options = first as Record<string, unknown>;
    if ('_handle' in options || 'fd' in options || 'handle' in options) {
      request.handle = !('port' in options) && !('path' in options);
    }
    if (typeof options.path === 'string') request.path = options.path;
    else request.port = toPort(options.port);
    if (typeof options.host === 'string') request.host = options.host;
    if (options.signal instanceof AbortSignal) request.signal = options.signal;
  } else if (isPipeName(first)) {
    request.path = first;
  } else {
    request.port = toPort(first);
    if (typeof list[1] === 'string') request.host = list[1];
  }
  return request;
}

/**
 * What server.address() returns for a captured server: what Node would show
 * had it bound what the app asked for (the port asked, or 0 where Node would
 * have picked one).
 */
export function addressFor(request: ListenRequest): net.AddressInfo | string | null {
  if (request.path !== undefined) return request.path;
  if (request.handle) return null;
  const { port, host } = request;
  if (host !== undefined && net.isIPv6(host)) return { address: host, family: 'IPv6', port };
  if (host !== undefined && net.isIPv4(host)) return { address: host, family: 'IPv4', port };
  // No host: Node binds the IPv6 wildcard, which also takes IPv4.
  if (host === undefined || host === '') return { address: '::', family: 'IPv6', port };
  // A name such as "localhost": what it resolves to first on most systems.
  return { address: '127.0.0.1', family: 'IPv4', port };
}

/** "port 8080", "port 8080 on ::1", "unix socket /run/app.sock": for log lines. */
export function describeRequest(request: ListenRequest): string {
  if (request.path !== undefined) return `unix socket "${request.path}"`;
  if (request.handle) return 'a handle or fd of its own';
  return request.host ? `port ${request.port} on ${request.host}` : `port ${request.port}`;
}
