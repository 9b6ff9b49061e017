// Node builtins that cost a process memory and start-up time to load, loaded
// when first used: node:zlib (~5 ms, 0.4 MiB private) only where a
// configuration compresses. (The router's tls and https: its lazy-modules.ts.)
/* eslint-disable @typescript-eslint/no-require-imports */

let zlib: typeof import('node:zlib') | undefined;

export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= require('node:zlib') as typeof import('node:zlib'));

/** zstd came to Node's zlib with Node 22.15 and 23.8. */
export function nodeHasZstd(): boolean {
  return typeof (nodeZlib() as unknown as Record<string, unknown>).createZstdCompress === 'function';
}
