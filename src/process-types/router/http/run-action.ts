// The router carrying out what a request's route decided: a return, an
// error page, a file ("share", whose "fallback" decides again), a proxy, an
// upstream group, or an application.
import { decideAction } from '../../../request/decide.js';
import type { Decision } from '../../../request/decide.js';
import { errorResponse } from '../../../request/error-response.js';
import { returnAction } from '../../../request/return-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import type { Configuration } from '../configuration.js';
import { proxyRequestCode } from '../lazy-modules.js';
import { sendContinue } from '../../../request/expect-continue.js';
import type { ProxyTarget } from '../proxy/proxy-target.js';
import type { ShareHandler } from '../share/index.js';

export type RouterContext = RequestContext<Configuration>;
export type RouterDecision = Decision<ShareHandler, ProxyTarget>;

export async function execute(ctx: RouterContext, decision: RouterDecision): Promise<void> {
  const conf = ctx.conf;
  // What reads a body forwards Expect: 100-continue to the next hop, whose answer the client gets; the rest answers it now.
  if (decision.kind !== 'application' && decision.kind !== 'proxy' && decision.kind !== 'upstream') sendContinue(ctx.res);
  switch (decision.kind) {
    case 'return':
      return returnAction(ctx, decision.status, decision.location);
    case 'error':
      errorResponse(ctx, decision.status);
      return;
    case 'share': {
      const { action, depth } = decision;
      const outcome = await action.share.serve(ctx);
      if (outcome !== 'fallback') return;
      if (!action.fallback) {
        errorResponse(ctx, 404);
        return;
      }
      return execute(ctx, decideAction(ctx, conf.engine, action.fallback, depth + 1));
    }
    case 'proxy':
      await proxyRequestCode().proxyRequest(ctx, decision.action.proxy, false);
      return;
    case 'upstream': {
      const upstream = conf.upstreams.get(decision.name);
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
        const outcome = await proxyRequestCode().proxyRequest(ctx, target, tried.size < upstream.size);
        if (outcome === 'done') return;
        upstream.failed(target);
      }
    }
    case 'application': {
      const limits = conf.applications.get(decision.name);
      if (!limits) {
        errorResponse(ctx, 404);
        return;
      }
      return conf.directory.handle(ctx, decision.name, limits, decision.target);
    }
  }
}
