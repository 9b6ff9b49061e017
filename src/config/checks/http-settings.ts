// settings.http members whose values Weft cannot honour are refused here,
// naming the member and the reason, rather than accepted and ignored.
import zlib from 'node:zlib';

import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';

/** zstd came to Node's zlib with Node 22.15 and 23.8. */
function nodeHasZstd(): boolean {
  return typeof (zlib as unknown as Record<string, unknown>).createZstdCompress === 'function';
}

export const checkHttpSettings: Check = (config) => {
  const http = config.settings?.http;
  const compressors = http?.compression?.compressors;
  if (compressors !== undefined) {
    const list = Array.isArray(compressors) ? compressors : [compressors];
    for (let i = 0; i < list.length; i++) {
      if (list[i].encoding === 'zstd' && !nodeHasZstd()) {
        const at = Array.isArray(compressors) ? ['compressors', String(i), 'encoding'] : ['compressors', 'encoding'];
        return problem(
          `The "zstd" compressor is not available: Node ${process.versions.node}'s zlib has no zstd (Node 22.15 or later has it).`,
          toPointer(['settings', 'http', 'compression', ...at]),
        );
      }
    }
  }
  return null;
};
