// Running a matched action: modifiers first (rewrite changes the path that
// later routing and $uri see; response_headers wait for the response head),
// then the action itself. "pass" may lead through further route sets, to an
// application or an upstream group; "share" may fall back to another action.
import { proxyRequest } from '../proxy/proxy-request.js';
import type { CompiledAction } from './actions.js';
import { errorResponse } from './errors.js';
import type { RequestContext } from './request-context.js';
import type { Destination } from './pass-target.js';

/** Route sets passing to route sets: a loop in the configuration ends here. */
const MAX_PASSES = 16;

export async function runAction(ctx: RequestContext, action: CompiledAction, depth = 0): Promise<void> {
  if (action.rewrite) {
    const result = action.rewrite(ctx.route, ctx);
    if (!result.ok) {
      ctx.log('error', result.reason);
      errorResponse(ctx, 500);
      return;
    }
    ctx.rewritten = true;
  }
  if (action.responseHeaders) ctx.headerChanges.push(action.responseHeaders);

  switch (action.kind) {
    case 'return':
      return returnAction(ctx, action.status, action.location ? action.location.constant ?? action.location(ctx) : undefined);
    case 'pass': {
      const destination = action.pass(ctx);
      if (!destination) {
        errorResponse(ctx, 404);
        return;
      }
      return passTo(ctx, destination, depth);
    }
    case 'share': {
      const outcome = await action.share.serve(ctx);
      if (outcome === 'fallback' && action.fallback) return runAction(ctx, action.fallback, depth + 1);
      if (outcome === 'fallback') errorResponse(ctx, 404);
      return;
    }
    case 'proxy':
      await proxyRequest(ctx, action.proxy, false);
      return;
  }
}

export async function passTo(ctx: RequestContext, destination: Destination, depth: number): Promise<void> {
  if (depth > MAX_PASSES) {
    ctx.log('error', `more than ${MAX_PASSES} passes between route sets`);
    errorResponse(ctx, 500);
    return;
  }
  const conf = ctx.conf;
  switch (destination.kind) {
    case 'routes': {
      const route = conf.routes.route(destination.name);
      if (!route) {
        errorResponse(ctx, 404);
        return;
      }
      const match = route.match(ctx.route);
      if (!match.matched) {
        errorResponse(ctx, 404);
        return;
      }
      if (conf.http.logRoute) ctx.log('notice', `"routes/${match.route === undefined ? '' : `${match.route}/`}${match.index}" selected`);
      return runAction(ctx, conf.actions.get(match.action)!, depth + 1);
    }
    case 'upstream': {
      const upstream = conf.upstreams.get(destination.name);
      if (!upstream) {
        errorResponse(ctx, 404);
        return;
      }
      const tried = new Set<ReturnType<typeof upstream.pick> & object>();
      for (;;) {
        const target = upstream.pick(tried);
        if (!target) {
          errorResponse(ctx, 502);
          return;
        }
        tried.add(target);
        const outcome = await proxyRequest(ctx, target, tried.size < upstream.size);
        if (outcome === 'done') return;
        upstream.failed(target);
      }
    }
    case 'application': {
      const limits = conf.applications.get(destination.name);
      if (!limits) {
        errorResponse(ctx, 404);
        return;
      }
      return conf.directory.handle(ctx, destination.name, limits);
    }
  }
}

function returnAction(ctx: RequestContext, status: number, location: string | undefined): void {
  // Unit sends its error page for 4xx and 5xx, and no body otherwise.
  if (status >= 400 && status <= 599) {
    if (location !== undefined) ctx.res.setHeader('Location', location);
    errorResponse(ctx, status);
    return;
  }
  const headers: Record<string, string | number> = { 'Content-Length': 0 };
  if (location !== undefined) headers.Location = location;
  ctx.writeHead(status, headers);
  ctx.res.end();
}
