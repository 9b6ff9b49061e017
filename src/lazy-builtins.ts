// Node builtins that cost a process memory and start-up time to load, loaded
// when first used: node:zlib (~5 ms, 0.4 MiB private) only where a
// configuration compresses, node:https (~17 ms, 1.2 MiB with tls and crypto)
// only where an app makes an https server. A process that never needs them
// never loads them.
/* eslint-disable @typescript-eslint/no-require-imports */

let zlib: typeof import('node:zlib') | undefined;
let https: typeof import('node:https') | undefined;

export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= require('node:zlib') as typeof import('node:zlib'));
export const nodeHttps = (): typeof import('node:https') => (https ??= require('node:https') as typeof import('node:https'));

/** zstd came to Node's zlib with Node 22.15 and 23.8. */
export function nodeHasZstd(): boolean {
  return typeof (nodeZlib() as unknown as Record<string, unknown>).createZstdCompress === 'function';
}
