// The router's "share" action: static files with Unit 1.35's semantics,
// opened only through openat2 and served from an in-memory cache.
// compileShare runs once per configuration; serve() once per request.
import { toByteString } from '../../../request/routing/byte-string.js';
import { sharedFileCache } from './file-cache.js';
import { MimeLookup } from './mime-lookup.js';
import { ShareRequestHandler, type Template } from './share-handler.js';
import type { ShareAction, ShareHandler, ShareOptions } from './share-types.js';
import { compileTypesFilter } from './types-filter.js';

export type { ShareAction, ShareHandler, ShareOptions, ShareOutcome, ShareRequest } from './share-types.js';
export { FileCache, sharedFileCache } from './file-cache.js';
export type { FileCacheOptions, FileCacheStats } from './file-cache.js';

/** Unit's rule: a string without "$" has no variable and is used as it is. */
function template(text: string, options: ShareOptions): Template {
  if (!text.includes('$')) {
    const bytes = toByteString(text);
    return () => bytes;
  }
  return options.compileTemplate(text);
}

export function compileShare(action: ShareAction, options: ShareOptions): ShareHandler {
  const path = options.path ?? '';
  const texts = typeof action.share === 'string' ? [action.share] : action.share;
  const index = action.index ?? 'index.html';
  const chroot = action.chroot === undefined || action.chroot.length === 0 ? null : template(action.chroot, options);
  return new ShareRequestHandler({
    shares: texts.map((text) => template(text, options)),
    index: toByteString(index),
    types: action.types === undefined ? null : compileTypesFilter(action.types, `${path}/types`),
    mime: new MimeLookup(options.mimeTypes),
    chroot,
    limits: { noSymlinks: action.follow_symlinks === false, noXdev: action.traverse_mounts === false },
    guardClimbing: !texts.some((text) => text.includes('..')) && !index.includes('..'),
    hasFallback: action.fallback !== undefined,
    cache: options.cache ?? sharedFileCache,
    base: toByteString(options.baseDir === undefined || options.baseDir === '/' ? '' : options.baseDir.replace(/\/+$/, '')),
  });
}
