// Node's own HTTP parser (llhttp), the one its http client and server use,
// from the legacy `_http_common` module that still exports it (Node 12 to
// 24). Routed mode reads applications' answers with it directly: the
// http.ClientRequest and Agent machinery around it cost the router four
// times as much CPU per request as the parsing itself (measured: a hello
// world through an agent-based hop, 340-390 us of router CPU per request;
// through this parser, 74-82 us).
import { createRequire } from 'node:module';

export interface NodeHttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [callback: number]: unknown;
}

interface ParserClass {
  new (): NodeHttpParser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

function load(): ParserClass {
  const common = createRequire(__filename)('_http_common') as { HTTPParser?: ParserClass };
  const P = common.HTTPParser;
  if (typeof P !== 'function' || typeof P.RESPONSE !== 'number' || typeof P.kOnHeadersComplete !== 'number') {
    throw new Error(`this Node (${process.version}) does not export the HTTP parser Weft's router uses`);
  }
  return P;
}

export const HTTPParser = load();

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
