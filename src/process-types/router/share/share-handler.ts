// The share action per request (nxt_http_static, _iterate, _send_ready,
// _next). GET and HEAD only: another method takes the fallback, or gets 405.
// Each share path in turn: a value ending in "/" gets the index appended
// (and is exempt from "types"); otherwise "types" must accept the file's
// MIME type (else 403). The file is opened through openat2 under the
// chroot and limits; 403 and 404 move on to the next share, and after the
// last one to the fallback, or answer with the last status; a 500 is final.
// A directory named without its slash is redirected (301) to the slash form.
//
// A cached, current file is answered without a system call or an await
// (file-cache.ts); everything else takes the async slow path.
import type { StringTest } from '../../../request/routing/string-pattern.js';
import { sendError } from './error-response.js';
import type { FileCache } from './file-cache.js';
import type { FileEntry } from './file-entry.js';
import { directoryLocation } from './location.js';
import { loadFile } from './load-file.js';
import type { MimeLookup } from './mime-lookup.js';
import type { ResolveLimits } from './open-file.js';
import { closeQuietly } from './open-file.js';
import { climbs } from './path-guard.js';
import type { ShareHandler, ShareOutcome, ShareRequest } from './share-types.js';
import { streamFile } from './stream-file.js';
import { notModified } from './validators.js';

export type Template = (request: ShareRequest) => string;

export interface ShareSettings {
  shares: Template[];
  /** The index file name, a byte string. */
  index: string;
  /** null: every type is accepted. */
  types: StringTest | null;
  mime: MimeLookup;
  /** null: no chroot. */
  chroot: Template | null;
  limits: ResolveLimits;
  /** Refuse ".." segments that variables put into a path without chroot (path-guard.ts). */
  guardClimbing: boolean;
  hasFallback: boolean;
  cache: FileCache;
  /** Prefixed to a share path not starting with "/" (weftd's working directory; "" for "/"). */
  base: string;
}

const SERVED: Promise<ShareOutcome> = Promise.resolve('served');
const FALLBACK: Promise<ShareOutcome> = Promise.resolve('fallback');

interface Target {
  path: string;
  slash: boolean;
  contentType: string;
}

function queryOf(request: ShareRequest): string {
  if (request.query !== undefined) return request.query;
  const url = request.res.req?.url ?? '';
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return url.slice(q + 1, hash < 0 ? undefined : hash);
}

export class ShareRequestHandler implements ShareHandler {
  readonly #s: ShareSettings;
  /** Resolution limits as a cache key prefix: the same path under other limits is another entry. */
  readonly #mode: string;

  constructor(settings: ShareSettings) {
    this.#s = settings;
    this.#mode = `${settings.limits.noSymlinks ? 1 : 0}${settings.limits.noXdev ? 1 : 0}`;
  }

  serve(request: ShareRequest): Promise<ShareOutcome> {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (this.#s.hasFallback) return FALLBACK;
      sendError(request, 405);
      return SERVED;
    }
    try {
      // Evaluated once for all the shares of the request, as Unit does.
      const chroot = this.#s.chroot === null ? '' : this.#s.chroot(request);
      return this.#from(request, 0, chroot, 404);
    } catch (e) {
      return this.#fail(request, e);
    }
  }

  #from(request: ShareRequest, first: number, chroot: string, status: number): Promise<ShareOutcome> {
    const shares = this.#s.shares;
    for (let i = first; i < shares.length; i++) {
      const value = shares[i](request);
      const target = this.#target(value, chroot);
      if (typeof target === 'number') {
        status = target;
        continue;
      }
      const key = `${this.#mode}${chroot}\0${target.path}`;
      const entry = this.#s.cache.fresh(key, Date.now());
      if (entry !== undefined) {
        this.#sendEntry(request, entry, target.contentType);
        return SERVED;
      }
      return this.#slow(request, i, chroot, target, key);
    }
    if (this.#s.hasFallback) return FALLBACK;
    sendError(request, status);
    return SERVED;
  }

  /** The file a share value names, or the status that skips it. */
  #target(value: string, chroot: string): Target | 403 | 404 {
    if (value.length === 0) return 404;
    const s = this.#s;
    // unitd opens a relative share from its working directory; the router's is "/".
    if (value.charCodeAt(0) !== 0x2f) value = `${s.base}/${value}`;
    const slash = value.charCodeAt(value.length - 1) === 0x2f;
    const path = slash ? value + s.index : value;
    const contentType = s.mime.typeOf(path);
    if (!slash && s.types !== null && !s.types(contentType)) return 403;
    if (s.guardClimbing && chroot.length === 0 && climbs(path)) return 403;
    return { path, slash, contentType };
  }

  async #slow(request: ShareRequest, i: number, chroot: string, target: Target, key: string): Promise<ShareOutcome> {
    const s = this.#s;
    try {
      // With a stat per request the check was just made; a path check by real
      // path would miss a symlink swapped to another file: open it again.
      const stale = s.cache.revalidateMs > 0 ? s.cache.peek(key) : undefined;
      if (stale !== undefined && (await s.cache.revalidate(stale))) {
        this.#sendEntry(request, stale, target.contentType);
        return 'served';
      }
      const result = await loadFile({ path: target.path, slash: target.slash, chroot, limits: s.limits, key, cache: s.cache });
      switch (result.kind) {
        case 'file':
          this.#sendEntry(request, result.entry, target.contentType);
          return 'served';
        case 'large':
          await this.#sendLarge(request, result.entry, result.fd, target.contentType);
          return 'served';
        case 'directory':
          request.writeHead(301, { Location: directoryLocation(request.path, queryOf(request)), 'Content-Length': 0 });
          request.res.end();
          return 'served';
        case 'failed':
          if (result.log) request.log?.('error', result.message);
          return this.#from(request, i + 1, chroot, result.status);
        case 'error':
          request.log?.('error', result.message);
          sendError(request, 500);
          return 'served';
      }
    } catch (e) {
      return this.#fail(request, e);
    }
  }

  #sendEntry(request: ShareRequest, entry: FileEntry, contentType: string): void {
    const res = request.res;
    if (notModified(request.headers, entry.etag, entry.lastModified, entry.mtimeSeconds)) {
      request.writeHead(304, entry.notModifiedHeaders());
      res.end();
      return;
    }
    request.writeHead(200, entry.headers(contentType));
    if (request.method === 'HEAD') res.end();
    else res.end(entry.body);
  }

  async #sendLarge(request: ShareRequest, entry: FileEntry, fd: number, contentType: string): Promise<void> {
    try {
      if (notModified(request.headers, entry.etag, entry.lastModified, entry.mtimeSeconds)) {
        request.writeHead(304, entry.notModifiedHeaders());
        request.res.end();
        return;
      }
      request.writeHead(200, entry.headers(contentType));
      if (request.method === 'HEAD') request.res.end();
      else await streamFile(fd, entry.size, request.res);
    } finally {
      closeQuietly(fd);
    }
  }

  #fail(request: ShareRequest, e: unknown): Promise<ShareOutcome> {
    request.log?.('error', `share: ${e instanceof Error ? e.message : String(e)}`);
    sendError(request, 500);
    return SERVED;
  }
}
