// Node's own HTTP parser (llhttp, the one its http client and server use),
// from the legacy `_http_common` module that still exports it (Node 12 to
// 26). Weft reads answers with it where it wrote the request itself: a
// router reading an application's answer (routed mode) or an upstream's
// (proxy), an application process reading a router's (relay).
//
// Why not the public path: http.ClientRequest wraps this same parser with a
// request object, an IncomingMessage stream and socket bookkeeping per
// answer. Measured with bench/parser (one connection, small answers one at
// a time, CPU of the reading process per answer, socket I/O included; a
// busy 2-core box, load ~17, so trust the ratios): this parser 22 / 22 /
// 30 / 20 us on Node 20 / 22 / 24 / 26, the public path through
// ClientRequest (transport/http1-public-reader.ts) 41 / 44 / 96 / 63 us:
// 1.9x to 3.3x. The public path is the fallback when this probe fails.
//
// Loaded lazily (on first use, or by the start-up check), so that a Node
// without it never stops a process from loading.
import { createRequire } from 'node:module';

import type { NodeInternal } from './node-internal.js';
import { usable } from './node-internal.js';
import { ErrorCodes, WeftError } from '../errors.js';

export interface NodeHttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [callback: number]: unknown;
}

export interface NodeHttpParserClass {
  new (): NodeHttpParser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

/** onHeadersComplete(versionMajor, versionMinor, headers, method, url, statusCode, statusMessage, upgrade, shouldKeepAlive) */
export type HeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number,
  statusMessage: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

let loaded: NodeHttpParserClass | undefined;

function load(): NodeHttpParserClass {
  if (loaded) return loaded;
  const common = createRequire(__filename)('_http_common') as { HTTPParser?: NodeHttpParserClass };
  const P = common.HTTPParser;
  if (typeof P !== 'function') throw new WeftError(ErrorCodes.NODE_INTERNAL, '_http_common exports no HTTPParser');
  for (const slot of ['RESPONSE', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'] as const) {
    if (typeof P[slot] !== 'number') throw new WeftError(ErrorCodes.NODE_INTERNAL, `HTTPParser.${slot} is not a number`);
  }
  return (loaded = P);
}

/**
 * Parses one small answer and checks every callback Weft uses gets what it
 * expects, in the order it expects (a renamed slot or a reordered
 * argument list shows here, not as a wrong answer to a client).
 */
function probe(): string | undefined {
  const P = load();
  const parser = new P();
  const seen: string[] = [];
  try {
    parser.initialize(P.RESPONSE, {});
    parser[P.kOnHeaders] = () => seen.push('headers');
    parser[P.kOnHeadersComplete] = ((maj, min, headers, _method, _url, status, _message, upgrade, keepAlive) => {
      seen.push(`head ${maj}.${min} ${status} ${(headers ?? []).join('|')} ${upgrade} ${keepAlive}`);
      return 0;
    }) satisfies HeadersComplete;
    parser[P.kOnBody] = (chunk: unknown) => seen.push(`body ${Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk}`);
    parser[P.kOnMessageComplete] = () => seen.push('complete');
    const r = parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok', 'latin1'));
    if (r instanceof Error) return `it refused a valid answer: ${r.message}`;
    const expected = ['head 1.1 200 Content-Length|2|X-A|b false true', 'body ok', 'complete'];
    if (seen.join(', ') !== expected.join(', '))
      return `its callbacks changed: got [${seen.join(', ')}], expected [${expected.join(', ')}]`;
    return undefined;
  } finally {
    parser.close();
  }
}

export const httpParser: NodeInternal = {
  id: 'http-parser',
  name: '_http_common.HTTPParser',
  usedBy: ['router', 'application'],
  where: ['src/transport/http1-node-reader.ts', 'src/node-internals/http-parser.ts'],
  why: 'http.ClientRequest wraps the same parser with per-answer objects: 1.9-3.3x the CPU per answer read (bench/parser, Node 20-26)',
  missing: 'fallback',
  fallback:
    'answers are read through http.ClientRequest (public API; 1.9 to 3.3x the CPU per answer read): routed applications, proxy and relay keep working, slower',
  probe,
};

/** Node's parser class when this Node has it as Weft expects, otherwise undefined (use the public path). */
export function nodeHttpParser(): NodeHttpParserClass | undefined {
  return usable(httpParser) ? load() : undefined;
}
