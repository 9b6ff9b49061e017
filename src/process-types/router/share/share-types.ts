// The contract between the router and the share action.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

import type { FileCache } from './file-cache.js';

/** The action object from the configuration, already validated. */
export interface ShareAction {
  /** Path(s) with variables, e.g. "/www/static$uri"; with several, the first that can be served wins. */
  share: string | string[];
  /** Appended to a share path that ends in "/"; default "index.html". */
  index?: string;
  /** MIME filter: exact, "*" wildcards, "~regex", "!" negation (route pattern rules). */
  types?: string | string[];
  /** Another action; the share only reports that it should run. */
  fallback?: object;
  /** May contain variables. */
  chroot?: string;
  /** Default true. */
  follow_symlinks?: boolean;
  /** Default true. */
  traverse_mounts?: boolean;
}

export interface ShareOptions {
  /** settings.http.static.mime_types: type -> extension(s), added to / overriding the built-in table. */
  mimeTypes: Record<string, string | string[]>;
  /** Evaluates variables ($uri, $host...); provided by the router. The result is a byte string. */
  compileTemplate(text: string): (request: ShareRequest) => string;
  /** Where the action sits in the configuration ("/routes/0/action"), for compile errors. */
  path?: string;
  /** What a relative share path is read from (weftd's working directory, as unitd's); "/" when absent. */
  baseDir?: string;
  /** The cache to use; the router's shared one by default (tests and benchmarks pass their own). */
  cache?: FileCache;
}

export interface ShareRequest {
  /** As received. */
  method: string;
  /** Decoded, normalised URI path ("/a/b.html"), what $uri is: a byte string. */
  path: string;
  /** The raw query without "?" ($args), for the directory redirect; when absent it is read from res.req.url. */
  query?: string;
  /** Lower-case names. */
  headers: IncomingHttpHeaders;
  /**
   * Writes the status line and headers; the router applies response_headers
   * and Server here. The headers object may be shared between responses:
   * it must not be modified.
   */
  writeHead(status: number, headers: Record<string, string | number | string[]>): void;
  /** writeHead() for the share's own error answers (403, 404, 500): without response_headers, as Unit. */
  writeErrorHead?(status: number, headers: Record<string, string | number | string[]>): void;
  /** The body goes out with res.write/res.end, after writeHead. */
  res: ServerResponse;
  /** The router's error log, for what Unit logs (files it could not open). */
  log?(level: 'error', message: string): void;
}

export type ShareOutcome = 'served' | 'fallback';

export interface ShareHandler {
  serve(request: ShareRequest): Promise<ShareOutcome>;
}
