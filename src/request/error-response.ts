// The router's own error answers: Unit's page, "Content-Type: text/html",
// and for the errors that leave the connection unusable, a close. An error
// of Weft's own (no route, a file not found, an unreachable upstream)
// carries no action's response_headers: they belong to the answer the
// action gives. A "return" of a 4xx or 5xx is that answer, so it keeps them.
import { errorPage } from './error-page.js';
import type { RequestContext } from './request-context.js';

const CLOSES = new Set([400, 408, 413, 414, 431, 500, 505]);

export function errorResponse(ctx: RequestContext, status: number): void {
  sendErrorPage(ctx, status, false);
}

/** Unit's error page as a "return" action's answer, with the action's response_headers. */
export function returnErrorPage(ctx: RequestContext, status: number): void {
  sendErrorPage(ctx, status, true);
}

function sendErrorPage(ctx: RequestContext, status: number, fromAction: boolean): void {
  const res = ctx.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorPage(status);
  if (CLOSES.has(status)) res.shouldKeepAlive = false;
  const headers = { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) };
  if (fromAction) ctx.writeHead(status, headers);
  else ctx.writeErrorHead(status, headers);
  res.end(ctx.method === 'HEAD' ? undefined : body);
}
