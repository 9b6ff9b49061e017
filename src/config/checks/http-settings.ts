// settings.http members whose values Weft cannot honour are refused here,
// naming the member and the reason, rather than accepted and ignored.
// (docs/unit-compatibility.md says, per setting, why the others are kept.)
import { nodeHasZstd } from '../../lazy-builtins.js';
import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';

/**
 * Unit's defaults for settings.http.websocket. Weft splices WebSocket
 * bytes between client and application (or upstream) without parsing
 * frames, so it cannot limit frame sizes, send pings, or tell a pong from
 * data; a configuration that spells out the defaults still loads.
 */
const WEBSOCKET_DEFAULTS = { read_timeout: 60, keepalive_interval: 30, max_frame_size: 1048576 } as const;

export const checkHttpSettings: Check = (config) => {
  const http = config.settings?.http;
  for (const [name, value] of Object.entries(http?.websocket ?? {})) {
    const unit = WEBSOCKET_DEFAULTS[name as keyof typeof WEBSOCKET_DEFAULTS];
    if (value !== unit) {
      return problem(
        `The "${name}" value ${String(value)} cannot be honoured: Weft passes WebSocket frames through without parsing them, ` +
          `so "websocket" takes only Unit's defaults (read_timeout 60, keepalive_interval 30, max_frame_size 1048576).`,
        toPointer(['settings', 'http', 'websocket', name]),
      );
    }
  }
  if (http?.chunked_transform === true) {
    return problem(
      'The "chunked_transform" value true cannot be honoured: Weft streams request bodies to applications as they arrive ' +
        'and never collects a chunked body to send it with a Content-Length.',
      toPointer(['settings', 'http', 'chunked_transform']),
    );
  }
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
