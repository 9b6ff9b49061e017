// Route actions compiled once per configuration: "pass", "return",
// "share" (with "fallback") and "proxy", each with the modifiers "rewrite"
// and "response_headers". Compiling finds every template and pattern error
// at apply time, not at the first request.
import { compileShare } from '../share/index.js';
import type { ShareHandler } from '../share/index.js';
import { compileRewrite, compileTemplate } from '../routing/index.js';
import type { CompiledTemplate, Rewrite } from '../routing/index.js';
import { compileProxyTarget } from '../proxy/proxy-target.js';
import type { ProxyTarget } from '../proxy/proxy-target.js';
import { compilePass } from './pass-target.js';
import type { PassTarget } from './pass-target.js';
import { ResponseHeaders } from './response-headers.js';

interface RawAction {
  pass?: string;
  return?: number;
  location?: string;
  share?: string | string[];
  fallback?: RawAction;
  proxy?: string;
  rewrite?: string;
  response_headers?: Record<string, string | null>;
  [key: string]: unknown;
}

interface Modifiers {
  rewrite: Rewrite | undefined;
  responseHeaders: ResponseHeaders | undefined;
}

export type CompiledAction = Modifiers &
  (
    | { kind: 'pass'; pass: PassTarget }
    | { kind: 'return'; status: number; location: CompiledTemplate | undefined }
    | { kind: 'share'; share: ShareHandler; fallback: CompiledAction | undefined }
    | { kind: 'proxy'; proxy: ProxyTarget }
  );

export interface ActionCompileOptions {
  mimeTypes: Record<string, string | string[]>;
}

export function compileAction(raw: RawAction, path: string, options: ActionCompileOptions): CompiledAction {
  const modifiers: Modifiers = {
    rewrite: raw.rewrite === undefined ? undefined : compileRewrite(raw.rewrite, `${path}/rewrite`),
    responseHeaders: raw.response_headers === undefined ? undefined : new ResponseHeaders(raw.response_headers, `${path}/response_headers`),
  };
  if (raw.pass !== undefined) return { ...modifiers, kind: 'pass', pass: compilePass(raw.pass, `${path}/pass`) };
  if (raw.return !== undefined) {
    return {
      ...modifiers,
      kind: 'return',
      status: raw.return,
      location: raw.location === undefined ? undefined : compileTemplate(raw.location, `${path}/location`),
    };
  }
  if (raw.share !== undefined) {
    return {
      ...modifiers,
      kind: 'share',
      share: compileShare(raw as never, {
        mimeTypes: options.mimeTypes,
        compileTemplate: (text) => compileTemplate(text, `${path}/share`) as never,
      }),
      fallback: raw.fallback === undefined ? undefined : compileAction(raw.fallback, `${path}/fallback`, options),
    };
  }
  if (raw.proxy !== undefined) return { ...modifiers, kind: 'proxy', proxy: compileProxyTarget(raw.proxy, `${path}/proxy`) };
  throw new Error(`${path}: an action needs "pass", "return", "share" or "proxy"`);
}

/** Every action of a routes config, keyed by its object (what a route match returns). */
export function compileRouteActions(routes: unknown, options: ActionCompileOptions): Map<object, CompiledAction> {
  const out = new Map<object, CompiledAction>();
  const steps = (list: unknown, path: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((step: { action?: RawAction }, i) => {
      if (step && typeof step.action === 'object') out.set(step.action, compileAction(step.action, `${path}/${i}/action`, options));
    });
  };
  if (Array.isArray(routes)) steps(routes, '/routes');
  else if (routes && typeof routes === 'object') {
    for (const [name, list] of Object.entries(routes)) steps(list, `/routes/${name}`);
  }
  return out;
}
