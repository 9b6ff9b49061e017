// A "return" action's answer: the status, "Location" when given; Unit's
// error page for 4xx and 5xx, no body otherwise.
import { returnErrorPage } from './error-response.js';
import type { RequestContext } from './request-context.js';

export function returnAction(ctx: RequestContext, status: number, location: string | undefined): void {
  // Unit sends its error page for 4xx and 5xx, and no body otherwise.
  if (status >= 400 && status <= 599) {
    if (location !== undefined) ctx.res.setHeader('Location', location);
    returnErrorPage(ctx, status);
    return;
  }
  const headers: Record<string, string | number> = { 'Content-Length': 0 };
  if (location !== undefined) headers.Location = location;
  ctx.writeHead(status, headers);
  ctx.res.end();
}
