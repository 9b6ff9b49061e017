// The addon's 128-bit digest (native/digest.h): for telling contents apart
// (code caches' sources, the schema's key, the configuration's ETag)
// without loading node:crypto, which costs each process ~8 ms of CPU and
// ~0.7 MiB of private memory. code-cache.ts loads this before any bundle
// runs: builtins and addon-file.ts only (the error catalogue when it fails).
import Module from 'node:module';

import { ADDON_FILES } from './addon-file.js';

type DigestFunction = (bytes: Uint8Array) => Buffer;
let loaded: DigestFunction | null | undefined;

/** The addon's function; null when no addon loads (load.ts says why when the process needs it). */
export function nativeDigest(): DigestFunction | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const load = Module.createRequire(__filename);
  for (const file of ADDON_FILES) {
    try {
      loaded = (load(file) as { digest: DigestFunction }).digest;
      break;
    } catch {
      // The next build path.
    }
  }
  return loaded;
}

/** 16 bytes that differ for different contents (not a defence against a chosen collision). */
export function digest(bytes: Uint8Array | string): Buffer {
  const f = nativeDigest();
  if (!f) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ErrorCodes, WeftError } = require('../errors.js') as typeof import('../errors.js');
    throw new WeftError(ErrorCodes.NATIVE_LOAD, `the native addon (${ADDON_FILES[0]}) does not load: build it first (npm install)`);
  }
  return f(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
}
