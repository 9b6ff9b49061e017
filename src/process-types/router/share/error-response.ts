// The share's own error answers, as Unit's nxt_http_request_error writes
// them: the error page, "Content-Type: text/html", and no body for HEAD. A
// 500 also closes the connection (Unit marks the request as failed).
import { errorPage } from '../../../request/error-page.js';
import type { ShareRequest } from './share-types.js';

const PAGES = new Map<number, { body: string; headers: Record<string, string | number> }>();

function page(status: number): { body: string; headers: Record<string, string | number> } {
  let p = PAGES.get(status);
  if (p === undefined) {
    const body = errorPage(status);
    p = { body, headers: Object.freeze({ 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) }) };
    PAGES.set(status, p);
  }
  return p;
}

export function sendError(request: ShareRequest, status: number): void {
  const res = request.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { body, headers } = page(status);
  if (status >= 500) res.shouldKeepAlive = false;
  if (request.writeErrorHead) request.writeErrorHead(status, headers);
  else request.writeHead(status, headers);
  res.end(request.method === 'HEAD' ? undefined : body);
}
