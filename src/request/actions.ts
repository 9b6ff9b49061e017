// Route actions compiled once per configuration: "pass", "return",
// "share" (with "fallback") and "proxy", each with the modifiers "rewrite"
// and "response_headers". Compiling finds every template and pattern error
// at apply time, not at the first request. How a "share" or a "proxy" is
// carried out depends on the process (the router serves files and proxies;
// an application process hands such requests to a router), so their
// compilers come with the options: S and P are what they make.
import { ErrorCodes, WeftError } from '../errors.js';
import { compileRewrite, compileTemplate } from './routing/index.js';
import type { CompiledTemplate, Rewrite } from './routing/index.js';
import { compilePass } from './pass-target.js';
import type { PassTarget } from './pass-target.js';
import { encodeLocation } from './encode-location.js';
import { ResponseHeaders } from './response-headers.js';

/** A constant "location" is encoded once, here; one with variables when each request is answered (decide.ts). */
function compileLocation(text: string, path: string): CompiledTemplate {
  const template = compileTemplate(text, path);
  if (template.constant === undefined) return template;
  const encoded = encodeLocation(template.constant);
  return Object.assign(() => encoded, { constant: encoded, source: template.source });
}

export interface RawAction {
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

export type CompiledAction<S = unknown, P = unknown> = Modifiers &
  (
    | { kind: 'pass'; pass: PassTarget }
    | { kind: 'return'; status: number; location: CompiledTemplate | undefined }
    | { kind: 'share'; share: S; fallback: CompiledAction<S, P> | undefined }
    | { kind: 'proxy'; proxy: P }
  );

export interface ActionCompileOptions<S = unknown, P = unknown> {
  mimeTypes: Record<string, string | string[]>;
  /** Makes what serves a "share" action (its "share", "chroot", "types"... members). */
  share(raw: RawAction, path: string, mimeTypes: Record<string, string | string[]>): S;
  /** Makes what serves a "proxy" action. */
  proxy(address: string, path: string): P;
}

export function compileAction<S, P>(raw: RawAction, path: string, options: ActionCompileOptions<S, P>): CompiledAction<S, P> {
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
      location: raw.location === undefined ? undefined : compileLocation(raw.location, `${path}/location`),
    };
  }
  if (raw.share !== undefined) {
    return {
      ...modifiers,
      kind: 'share',
      share: options.share(raw, path, options.mimeTypes),
      fallback: raw.fallback === undefined ? undefined : compileAction(raw.fallback, `${path}/fallback`, options),
    };
  }
  if (raw.proxy !== undefined) return { ...modifiers, kind: 'proxy', proxy: options.proxy(raw.proxy, `${path}/proxy`) };
  throw new WeftError(ErrorCodes.ROUTE_COMPILE, `${path}: an action needs "pass", "return", "share" or "proxy"`);
}

/** Every action of a routes config, keyed by its object (what a route match returns). */
export function compileRouteActions<S, P>(routes: unknown, options: ActionCompileOptions<S, P>): Map<object, CompiledAction<S, P>> {
  const out = new Map<object, CompiledAction<S, P>>();
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
