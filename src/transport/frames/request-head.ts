// The request head frame, from what the router already parsed, in a form
// Python takes apart with one decode and one split (both in C): latin-1
// fields separated by NUL, the header count first, the percent-decoded path
// last (it may hold any byte, NUL too, so it runs to the end of the frame).
//
//   count NUL version NUL method NUL scheme NUL target NUL query NUL
//   remote_addr NUL remote_port NUL server_addr NUL server_port NUL
//   server_name NUL app_target NUL (name NUL value NUL) * count  path
//
// Header names go lower-case (ASGI wants them so; WSGI upper-cases them
// anyway). Nothing but the path may hold a NUL: Node's HTTP parser refuses
// NUL in a method, a target or a header, and the query is the raw one.
import { FRAME_HEADER_SIZE, FrameFlag, FrameType, writeFrameHeader } from './frame-format.js';

export interface FrameRequest {
  method: string;
  /** The request target as the client sent it (path and query, still percent-encoded). */
  target: string;
  /** The path, percent-decoded: a string is sent as UTF-8, a Buffer as its bytes. */
  path: string | Buffer;
  /** The query string without "?", as sent. */
  query: string;
  /** "1.1" or "1.0". */
  version: string;
  scheme: 'http' | 'https';
  remoteAddress: string;
  remotePort: number;
  /** The listener's address and port (the local end of the client's connection). */
  serverAddress: string;
  serverPort: number;
  /** The Host without its port (or the listener's address when there is none). */
  serverName: string;
  /** `applications/<app>/<target>`'s target, or "" for the app's only entry point. */
  appTarget?: string;
  /** Node's rawHeaders shape: name, value, name, value... (hop-by-hop fields already left out). */
  rawHeaders: readonly string[];
  /** A body follows (through FrameCall.write/end). */
  body: boolean;
  /** The client asked to switch protocols (WebSocket): the app may answer 101. */
  upgrade?: boolean;
}

/**
 * Whether a request's body frames follow its head: a non-zero
 * Content-Length or any Transfer-Encoding, never for an upgrade (its bytes
 * after the head are the new protocol's).
 */
export function requestHasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }, upgrade: boolean): boolean {
  if (upgrade) return false;
  const length = headers['content-length'];
  return length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
}

export function encodeRequestHead(r: FrameRequest): Buffer {
  const h = r.rawHeaders;
  let s =
    `${h.length >> 1}\0${r.version}\0${r.method}\0${r.scheme}\0${r.target}\0${r.query}\0` +
    `${r.remoteAddress}\0${r.remotePort}\0${r.serverAddress}\0${r.serverPort}\0${r.serverName}\0${r.appTarget ?? ''}\0`;
  for (let i = 0; i + 1 < h.length; i += 2) s += `${h[i].toLowerCase()}\0${h[i + 1]}\0`;
  const path = r.path;
  const pathLength = typeof path === 'string' ? Buffer.byteLength(path, 'utf8') : path.length;
  const length = s.length + pathLength;
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
  let flags = 0;
  if (!r.body) flags |= FrameFlag.LAST;
  if (r.upgrade) flags |= FrameFlag.UPGRADE;
  writeFrameHeader(out, 0, FrameType.HEAD, flags, length);
  out.write(s, FRAME_HEADER_SIZE, 'latin1');
  if (typeof path === 'string') out.write(path, FRAME_HEADER_SIZE + s.length, 'utf8');
  else path.copy(out, FRAME_HEADER_SIZE + s.length);
  return out;
}
