// The addon's 128-bit digest (native/digest.h): for telling contents apart
// (code caches' sources, the schema's key, the configuration's ETag)
// without loading node:crypto, which costs each process ~8 ms of CPU and
// ~0.7 MiB of private memory. code-cache.ts loads this before any bundle
// runs: builtins and addon-file.ts only (the error catalogue when it fails).
import { loadAddon, notLoaded } from './addon-file.js';

type DigestFunction = (bytes: Uint8Array) => Buffer;
let loaded: { addon: unknown } | { failures: string[] } | undefined;

/** 16 bytes that differ for different contents (not a defence against a chosen collision). */
export function digest(bytes: Uint8Array | string): Buffer {
  loaded ??= loadAddon();
  if (!('addon' in loaded)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ErrorCodes, WeftError } = require('../errors.js') as typeof import('../errors.js');
    throw new WeftError(ErrorCodes.NATIVE_LOAD, notLoaded(loaded.failures));
  }
  return (loaded.addon as { digest: DigestFunction }).digest(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
}
