// Where a request goes: the listener's "pass", through route sets (their
// matches, each action's "rewrite" and "response_headers" on the way), to
// what answers it. Deciding is synchronous and the same in every process;
// carrying it out is each process's own (the router serves files, proxies
// and forwards to applications; an application process serves its own
// app's requests and hands the rest to a router).
import type { CompiledAction } from './actions.js';
import type { EngineView, RequestEngine } from './engine.js';
import { encodeLocation } from './encode-location.js';
import type { Destination } from './pass-target.js';
import type { RequestContext } from './request-context.js';
import type { ResponseHeaders } from './response-headers.js';
import { fromByteString } from './routing/index.js';

const NONE: ResponseHeaders[] = [];

/** Route sets passing to route sets: a loop in the configuration ends here. */
export const MAX_PASSES = 16;

export type Decision<S = unknown, P = unknown> =
  /** A "return" action. */
  | { kind: 'return'; status: number; location: string | undefined }
  /** An error answer of Weft's own (404 no route, 500 a bad rewrite or a pass loop). */
  | { kind: 'error'; status: number }
  | { kind: 'application'; name: string; target: string | undefined }
  | { kind: 'upstream'; name: string }
  | { kind: 'share'; action: CompiledAction<S, P> & { kind: 'share' }; depth: number }
  | { kind: 'proxy'; action: CompiledAction<S, P> & { kind: 'proxy' } };

/** Applies an action's modifiers, then decides what it leads to. */
export function decideAction<S, P, C extends EngineView>(
  ctx: RequestContext<C>,
  engine: RequestEngine<S, P>,
  action: CompiledAction<S, P>,
  depth: number,
): Decision<S, P> {
  if (action.rewrite) {
    const result = action.rewrite(ctx.route, ctx);
    if (!result.ok) {
      ctx.log('error', result.reason);
      return { kind: 'error', status: 500 };
    }
    ctx.rewritten = true;
    if (engine.http.logRoute) ctx.log('notice', `URI rewritten to "${fromByteString(ctx.path)}"`);
  }
  // Unit applies the response_headers of the action that answers (r->action),
  // not those of the actions that passed the request on to it.
  ctx.headerChanges = action.responseHeaders ? [action.responseHeaders] : NONE;
  switch (action.kind) {
    case 'return': {
      const location = action.location ? (action.location.constant ?? encodeLocation(action.location(ctx))) : undefined;
      return { kind: 'return', status: action.status, location };
    }
    case 'pass': {
      const destination = action.pass(ctx);
      return destination ? decideDestination(ctx, engine, destination, depth) : { kind: 'error', status: 404 };
    }
    case 'share':
      return { kind: 'share', action, depth };
    case 'proxy':
      return { kind: 'proxy', action };
  }
}

/** Where a "pass" destination leads: through route sets to an application, an upstream group, or an action. */
export function decideDestination<S, P, C extends EngineView>(
  ctx: RequestContext<C>,
  engine: RequestEngine<S, P>,
  destination: Destination,
  depth: number,
): Decision<S, P> {
  if (depth > MAX_PASSES) {
    ctx.log('error', `more than ${MAX_PASSES} passes between route sets`);
    return { kind: 'error', status: 500 };
  }
  switch (destination.kind) {
    case 'routes': {
      const route = engine.routes.route(destination.name);
      if (!route) return { kind: 'error', status: 404 };
      const match = route.match(ctx.route);
      if (!match.matched) return { kind: 'error', status: 404 };
      ctx.routeStep = `routes/${match.route === undefined ? '' : `${match.route}/`}${match.index}`;
      if (engine.http.logRoute) ctx.log('notice', `"${ctx.routeStep}" selected`);
      return decideAction(ctx, engine, engine.actions.get(match.action)!, depth + 1);
    }
    case 'upstream':
      return { kind: 'upstream', name: destination.name };
    case 'application':
      if (!engine.applications.has(destination.name)) return { kind: 'error', status: 404 };
      ctx.application = destination.name;
      return { kind: 'application', name: destination.name, target: destination.target };
  }
}
