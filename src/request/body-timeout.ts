// settings.http.body_read_timeout: while a request body is read (by a proxy
// or an application), a pause longer than this ends the request with 408
// and closes the connection. max_body_size is enforced on the way too, for
// chunked bodies whose size nobody declared.
import { errorResponse } from './error-response.js';
import type { RequestContext } from './request-context.js';

export function watchBody(ctx: RequestContext, onAbort: () => void): void {
  const { req } = ctx;
  if (req.complete) return;
  const { bodyReadTimeoutMs, maxBodySize } = ctx.conf.http;
  let received = 0;
  const abort = (status: number): void => {
    clearTimeout(timer);
    onAbort();
    errorResponse(ctx, status);
    req.socket.destroySoon();
  };
  const timer = setTimeout(() => abort(408), bodyReadTimeoutMs);
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBodySize) {
      abort(413);
      return;
    }
    timer.refresh();
  });
  const done = (): void => clearTimeout(timer);
  req.once('end', done);
  req.once('close', done);
}
