// WebSocket (any HTTP Upgrade) through "proxy": the upgrade request goes to
// the upstream as it came (Connection and Upgrade kept), and once the
// upstream answers, both connections are spliced: every byte either way
// passes untouched, with backpressure, until one side closes.
import net from 'node:net';

import { ERROR_STATUS, ErrorCodes, WeftError } from '../../../errors.js';
import type { ErrorCode } from '../../../errors.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import type { ProxyTarget } from './proxy-target.js';
import { upstreamPath } from '../../../request/forwarding.js';

const CONNECT_TIMEOUT_MS = 30000;

export function tunnelUpgrade(ctx: RequestContext, target: ProxyTarget): Promise<'done' | 'unreachable'> {
  const upgrade = ctx.upgrade!;
  return new Promise((resolve) => {
    const upstream = target.socketPath ? net.connect(target.socketPath) : net.connect(target.port!, target.host);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () =>
      upstream.destroy(new WeftError(ErrorCodes.UPSTREAM_TIMEOUT, 'the upstream did not accept in time')),
    );
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      let head = `${ctx.method} ${upstreamPath(ctx)} HTTP/${ctx.req.httpVersion}\r\n`;
      const raw = ctx.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
      upstream.write(`${head}\r\n`, 'latin1');
      if (upgrade.head.length > 0) upstream.write(upgrade.head);
      upgrade.socket.pipe(upstream);
      upstream.pipe(upgrade.socket);
      resolve('done');
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      if (connected) {
        upgrade.socket.destroy();
        return;
      }
      errorResponse(ctx, ERROR_STATUS[e.code as ErrorCode] ?? 502);
      resolve('done');
    });
    upstream.on('close', () => upgrade.socket.destroy());
    upgrade.socket.on('close', () => upstream.destroy());
    upgrade.socket.on('error', () => upstream.destroy());
  });
}
