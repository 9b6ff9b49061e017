// settings.http.compression (Unit 1.35, nxt_http_compression.c): the
// coding is chosen from Accept-Encoding among the configured compressors,
// and a response whose Content-Type matches "types" and whose length is
// at least the coding's min_length goes out through a Node zlib stream
// (the work runs on libuv's thread pool, off the event loop), with
// Content-Encoding and Vary set and Content-Length dropped.
import type http from 'node:http';
import type { Transform } from 'node:stream';

import { nodeHasZstd, nodeZlib } from '../lazy-builtins.js';
import { errorPage } from './error-page.js';
import { compileTypesRule } from './routing/index.js';
import type { StringTest } from './routing/index.js';

export type Encoding = 'gzip' | 'deflate' | 'br' | 'zstd';

export interface Compressor {
  encoding: Encoding;
  /** undefined: the coding's default (also for a level outside its range, as Unit). */
  level: number | undefined;
  /** -1: any length (Unit's default). */
  minLength: number;
}

export interface Compression {
  /** null: every response with a Content-Type (no "types" member). */
  types: StringTest | null;
  compressors: Compressor[];
}

interface RawCompressor {
  encoding: string;
  level?: number;
  min_length?: number;
}

interface RawCompression {
  types?: unknown;
  compressors?: RawCompressor | RawCompressor[];
}

/** Levels each coding takes (zlib's and brotli's own ranges); outside them the default is used. */
const LEVELS: Record<Encoding, [number, number]> = { gzip: [-1, 9], deflate: [-1, 9], br: [0, 11], zstd: [1, 22] };

/** Whether this Node's zlib has the coding (zstd came with Node 22.15 / 23.8). */
export function hasEncoding(encoding: string): boolean {
  if (encoding === 'zstd') return nodeHasZstd();
  return encoding === 'gzip' || encoding === 'deflate' || encoding === 'br';
}

export function compileCompression(raw: RawCompression | undefined): Compression | undefined {
  if (raw?.compressors === undefined) return undefined;
  const list = Array.isArray(raw.compressors) ? raw.compressors : [raw.compressors];
  const compressors = list.map((c): Compressor => {
    const encoding = c.encoding as Encoding;
    const [min, max] = LEVELS[encoding];
    const level = c.level !== undefined && c.level >= min && c.level <= max ? c.level : undefined;
    return { encoding, level, minLength: c.min_length ?? -1 };
  });
  if (compressors.length === 0) return undefined;
  return { types: raw.types === undefined ? null : compileTypesRule(raw.types, '/settings/http/compression/types'), compressors };
}

/**
 * Unit's choice (nxt_http_comp_select_compressor): every listed coding with
 * q > 0 that is configured ("*" stands for identity) is a candidate; the
 * highest q wins, and of equal ones the later in the header. With none,
 * identity, unless the header refuses it ("identity;q=0" or "*;q=0"):
 * then nothing is acceptable (Unit answers 406).
 */
export function chooseCompressor(
  acceptEncoding: string | undefined,
  compressors: Compressor[],
): Compressor | 'identity' | 'not-acceptable' {
  if (acceptEncoding === undefined) return 'identity';
  let chosen: Compressor | undefined;
  let weight = 0;
  let identityRefused = false;
  for (const item of acceptEncoding.replace(/ /g, '').split(',')) {
    const at = item.indexOf(';q=');
    const token = (at < 0 ? item : item.slice(0, at)).toLowerCase();
    const q = at < 0 ? 1 : Number.parseFloat(item.slice(at + 3));
    const identity = token === '*' || token === 'identity';
    if (identity && q === 0) identityRefused = true;
    if (!(q > 0 && q <= 1) || q < weight) continue;
    if (identity) {
      chosen = undefined;
      weight = q;
      continue;
    }
    const c = compressors.find((x) => x.encoding === token);
    if (c === undefined) continue;
    chosen = c;
    weight = q;
  }
  if (chosen !== undefined) return chosen;
  return identityRefused ? 'not-acceptable' : 'identity';
}

function createStream(c: Compressor): Transform {
  const zlib = nodeZlib();
  switch (c.encoding) {
    case 'gzip':
      return zlib.createGzip(c.level === undefined ? {} : { level: c.level });
    case 'deflate':
      return zlib.createDeflate(c.level === undefined ? {} : { level: c.level });
    case 'br':
      return zlib.createBrotliCompress(c.level === undefined ? {} : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: c.level } });
    case 'zstd': {
      const create = (zlib as unknown as Record<string, (o: object) => Transform>).createZstdCompress;
      return create(c.level === undefined ? {} : { params: { 100: c.level } });
    }
  }
}

function single(v: number | string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
}

/**
 * Called with the response's headers set and its head not yet sent: when
 * the answer qualifies, sets Content-Encoding and Vary, drops
 * Content-Length, and routes res.write/res.end through the coding's stream.
 * Returns the status to send (406 when nothing the client accepts can be sent).
 */
export function startCompression(compression: Compression, req: http.IncomingMessage, res: http.ServerResponse, status: number): number {
  // No body (HEAD, 204, 304, 1xx), or one already encoded by whoever made it.
  if (req.method === 'HEAD' || status < 200 || status === 204 || status === 304) return status;
  if (res.getHeader('content-encoding') !== undefined) return status;
  const length = single(res.getHeader('content-length'));
  const contentLength = length === undefined ? -1 : Number(length);
  if (contentLength === 0) return status;
  const type = single(res.getHeader('content-type'));
  if (type === undefined) return status;
  // The media type without its parameters ("text/html; charset=utf-8" is "text/html").
  const semi = type.indexOf(';');
  if (compression.types !== null && !compression.types((semi < 0 ? type : type.slice(0, semi)).trim())) return status;
  const c = chooseCompressor(single(req.headers['accept-encoding']), compression.compressors);
  if (c === 'identity') return status;
  if (c === 'not-acceptable') {
    notAcceptable(res);
    return 406;
  }
  if (contentLength > -1 && contentLength < c.minLength) return status;
  res.setHeader('Content-Encoding', c.encoding);
  const vary = single(res.getHeader('vary'));
  if (vary === undefined) res.setHeader('Vary', 'Accept-Encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) res.setHeader('Vary', `${vary}, Accept-Encoding`);
  res.removeHeader('Content-Length');
  // An answer of unknown length is a stream (server-sent events, a long
  // poll, a progressive page): each write is flushed through the coding so
  // that the client gets it when the client would have without compression.
  throughStream(res, createStream(c), contentLength < 0 ? flushKind(c.encoding) : undefined);
  return status;
}

function flushKind(encoding: Encoding): number {
  const zlib = nodeZlib();
  if (encoding === 'br') return zlib.constants.BROTLI_OPERATION_FLUSH;
  if (encoding === 'zstd') return 1; // ZSTD_e_flush
  return zlib.constants.Z_SYNC_FLUSH;
}

/**
 * Unit's 406 when the client accepts neither identity nor a configured
 * coding: the answer made so far is replaced by the error page (status,
 * headers and body; the maker's writes are dropped).
 */
function notAcceptable(res: http.ServerResponse): void {
  const body = errorPage(406);
  for (const name of res.getHeaderNames()) if (name !== 'server') res.removeHeader(name);
  res.statusCode = 406;
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  const end = res.end.bind(res) as (body: string) => http.ServerResponse;
  let ended = false;
  res.write = function (...args: unknown[]): boolean {
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (cb) process.nextTick(cb);
    return true;
  } as typeof res.write;
  res.end = function (...args: unknown[]): http.ServerResponse {
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (cb) res.once('finish', cb);
    if (!ended) {
      ended = true;
      end(body);
    }
    return res;
  } as typeof res.end;
}

type WriteCallback = (error?: Error | null) => void;

/** res.write/res.end feed the stream; its output goes out with the original write/end, with backpressure both ways. */
function throughStream(res: http.ServerResponse, z: Transform, flush: number | undefined): void {
  const flushable = z as Transform & { flush(kind: number): void };
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => http.ServerResponse;
  let ended = false;
  z.on('data', (chunk: Buffer) => {
    if (!write(chunk)) z.pause();
  });
  res.on('drain', () => z.resume());
  // A writer waiting for res's drain (a pipe, the app connection's reader) is waiting for the stream's.
  z.on('drain', () => res.emit('drain'));
  z.on('end', () => end());
  z.on('error', () => res.destroy());
  // The client went away: the stream's buffers go with it.
  res.on('close', () => z.destroy());
  res.write = function (chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (ended) return false;
    const ok =
      typeof encoding === 'function'
        ? z.write(chunk, encoding as WriteCallback)
        : z.write(chunk, encoding as BufferEncoding, cb as WriteCallback | undefined);
    if (flush !== undefined) flushable.flush(flush);
    return ok;
  } as typeof res.write;
  res.end = function (chunk?: unknown, encoding?: unknown, cb?: unknown): http.ServerResponse {
    const callback = [chunk, encoding, cb].find((a) => typeof a === 'function') as (() => void) | undefined;
    if (callback) res.once('finish', callback);
    if (ended) return res;
    ended = true;
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      if (typeof encoding === 'string') z.end(chunk, encoding as BufferEncoding);
      else z.end(chunk);
    } else z.end();
    return res;
  } as typeof res.end;
}
