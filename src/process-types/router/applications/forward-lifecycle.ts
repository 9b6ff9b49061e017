// What every request the router forwards to an application process goes
// through, whatever the process speaks (HTTP/1.1 to Node apps, frames to
// Python ones): the answer streamed to the client with back-pressure, a
// request the process never read handed back to be sent elsewhere, a
// process dying under it a 502 for that request alone, limits.timeout a 503
// (the pool replaces the worker), a client leaving or a body that stalls
// ending the exchange. One place, so that both transports keep the same
// guarantees.
import { watchBody } from '../../../request/body-timeout.js';
import { errorResponse } from '../../../request/error-response.js';
import { endToEndHeaders } from '../../../request/forwarding.js';
import type { RequestContext } from '../../../request/request-context.js';

/**
 * 'untaken': the process never read the request (it died, or its idle
 * connection had closed) and nothing was sent to the client: the request
 * may go to another process.
 */
export type ForwardOutcome = 'done' | 'untaken';

export interface ForwardConnection {
  destroy(): void;
  resumeReading(): void;
}

export interface ForwardOptions {
  timeoutMs: number;
  /** limits.timeout ran out (the client got its 503). */
  onTimeout(): void;
  /** The client left before the answer ended (default: the connection is destroyed, being spoiled). */
  clientGone?(): void;
}

/** The transport's callbacks, and what decides whether a failed request may go elsewhere. */
export interface ForwardExchange {
  head(status: number, headers: string[]): void;
  body(chunk: Buffer): boolean;
  end(): void;
  /** The process failed the request; `retryable`: it certainly never read it and nothing went to the client. */
  fail(retryable: boolean): void;
  /** Whether the exchange is over (a body still being sent stops). */
  done(): boolean;
}

/**
 * Sets up one forwarded exchange on `connection` (set it going with the
 * returned callbacks); `resolve` hears its outcome once.
 */
export function forwardExchange(
  ctx: RequestContext,
  connection: ForwardConnection,
  options: ForwardOptions,
  resolve: (outcome: ForwardOutcome) => void,
): ForwardExchange {
  const { res } = ctx;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (outcome: ForwardOutcome = 'done'): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    resolve(outcome);
  };
  res.on('drain', () => connection.resumeReading());
  if (options.timeoutMs > 0) {
    timer = setTimeout(() => {
      done = true;
      connection.destroy();
      errorResponse(ctx, 503);
      options.onTimeout();
      resolve('done');
    }, options.timeoutMs);
  }
  res.on('close', () => {
    if (done) return;
    if (options.clientGone) options.clientGone();
    else connection.destroy();
    finish();
  });
  watchBody(ctx, () => {
    connection.destroy();
    finish();
  });
  return {
    head: (status, headers) => ctx.writeHead(status, endToEndHeaders(headers)),
    body: (chunk) => res.write(chunk),
    end: () => {
      res.end();
      finish();
    },
    fail: (retryable) => {
      if (done) return;
      if (retryable) {
        finish('untaken');
        return;
      }
      // The process died holding it: this request fails alone.
      if (res.headersSent) res.destroy();
      else errorResponse(ctx, 502);
      finish();
    },
    done: () => done,
  };
}
