// Unit's listener addresses: "127.0.0.1:8080", "*:8080", "[::1]:8080",
// "unix:/path/to/socket", "unix:@abstract". Parsed as Unit parses them
// (nxt_sockaddr_parse): an IPv4 host must be a dotted quad or "*", a port
// must be 1-65535, and a unix path must fit sun_path.
import net from 'node:net';

import { ErrorCodes, WeftError } from '../../errors.js';

export type ListenAddress =
  | { kind: 'inet'; host: string; port: number; key: string }
  | { kind: 'inet6'; host: string; port: number; key: string }
  | { kind: 'unix'; path: string; abstract: boolean; key: string };

// sizeof(sun_path) - 1: room for the trailing NUL, as Unit reserves it.
const MAX_UNIX_PATH = 107;

function invalid(address: string, why: string): WeftError {
  return new WeftError(ErrorCodes.LISTEN_ADDRESS, `The listener address "${address}" is invalid: ${why}.`);
}

function parsePort(address: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(address, 'the port must be a number from 1 to 65535');
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(address, 'the port must be a number from 1 to 65535');
  return port;
}

/** Canonical IPv6 text, so that "[0:0::1]" and "[::1]" name one socket. */
function canonicalV6(host: string): string {
  const server = new net.SocketAddress({ address: host, family: 'ipv6' });
  return server.address;
}

export function parseListenAddress(address: string): ListenAddress {
  if (typeof address !== 'string' || address.length === 0) throw invalid(String(address), 'it is empty');
  if (address.startsWith('unix:')) {
    const rest = address.slice(5);
    if (rest.length === 0 || rest === '@') throw invalid(address, 'the socket name is empty');
    const abstract = rest.startsWith('@');
    const path = abstract ? rest.slice(1) : rest;
    if (Buffer.byteLength(rest) > MAX_UNIX_PATH) throw invalid(address, 'the unix socket name is too long');
    if (path.includes('\0')) throw invalid(address, 'the unix socket name holds a NUL byte');
    if (!abstract && !path.startsWith('/')) throw invalid(address, 'a unix socket path must be absolute');
    return { kind: 'unix', path, abstract, key: address };
  }
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0) throw invalid(address, 'the IPv6 address has no closing "]"');
    const host = address.slice(1, end);
    if (!net.isIPv6(host)) throw invalid(address, `"${host}" is not an IPv6 address`);
    if (address[end + 1] !== ':') throw invalid(address, 'the port is missing');
    const port = parsePort(address, address.slice(end + 2));
    const canonical = canonicalV6(host);
    return { kind: 'inet6', host: canonical, port, key: `[${canonical}]:${port}` };
  }
  const colon = address.indexOf(':');
  if (colon < 0) throw invalid(address, 'the port is missing');
  const host = address.slice(0, colon);
  if (host !== '*' && !net.isIPv4(host)) throw invalid(address, `"${host}" is not an IPv4 address or "*"`);
  const port = parsePort(address, address.slice(colon + 1));
  return { kind: 'inet', host, port, key: `${host}:${port}` };
}

/** The form a user wrote, rebuilt from the parts (what logs show). */
export function formatListenAddress(a: ListenAddress): string {
  return a.key;
}
