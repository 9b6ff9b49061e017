// Where "proxy" sends requests: "http://host:port", "http://[v6]:port" or
// "http://unix:/path". Each target keeps its own pool of keep-alive
// connections, so a busy proxy does not pay a TCP handshake per request.
import net from 'node:net';

import { RouteCompileError } from '../../../request/routing/index.js';
import { ConnectionPool } from './connection-pool.js';

export interface ProxyTarget {
  /** As configured, for logs. */
  readonly url: string;
  readonly host?: string;
  readonly port?: number;
  readonly socketPath?: string;
  readonly pool: ConnectionPool;
}

export function parseProxyUrl(url: string): Omit<ProxyTarget, 'pool'> | null {
  if (!url.startsWith('http://')) return null;
  const rest = url.slice('http://'.length);
  if (rest.startsWith('unix:')) {
    const socketPath = rest.slice('unix:'.length);
    return socketPath.startsWith('/') ? { url, socketPath } : null;
  }
  const m = /^(\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(rest);
  if (!m) return null;
  const host = m[2] ?? m[3];
  const port = Number(m[4]);
  if (port < 1 || port > 65535 || !net.isIP(host)) return null;
  return { url, host, port };
}

export function compileProxyTarget(url: string, path: string): ProxyTarget {
  const parsed = parseProxyUrl(url);
  if (!parsed)
    throw new RouteCompileError(path, `"${url}" is not a proxy address (http://host:port, http://[v6]:port or http://unix:/path)`);
  return { ...parsed, pool: new ConnectionPool(parsed) };
}
