// The router's own error answers: Unit's page, "Content-Type: text/html",
// and for the errors that leave the connection unusable, a close.
import { errorPage } from './error-page.js';
import type { RequestContext } from './request-context.js';

const CLOSES = new Set([400, 408, 413, 414, 431, 500]);

export function errorResponse(ctx: RequestContext, status: number): void {
  const res = ctx.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorPage(status);
  if (CLOSES.has(status)) res.shouldKeepAlive = false;
  ctx.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(ctx.method === 'HEAD' ? undefined : body);
}
