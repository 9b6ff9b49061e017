// Which application's processes accept a listener's connections themselves.
// A listener whose requests can reach exactly one application (directly,
// or through routes whose other steps return, serve files, or proxy) is
// accepted by that application's processes: they run the same engine as
// the router (request/), serve their own app's requests in place, answer
// returns and errors themselves, and hand anything else to a router. A
// listener that can reach several applications, or one whose destination
// is computed from variables, or a TLS listener, is accepted by the router;
// so is every listener while settings.http.compression is set (responses
// are compressed where the engine writes them, which an application
// process's own answers do not pass through).
//
// A listener the router accepts that reaches several applications may
// still have its connections served by them: the router reads a
// connection's first request, and when it is an application's, hands the
// connection itself to one of that application's processes, which serves
// it from then on as if it had accepted it (handoffApplications). Only
// between applications that run as the same user and group: the process
// that holds a connection sees every byte of it, later requests for other
// applications included (it relays those to the router).
import type { RawAction } from './actions.js';
import { listenerPass } from './engine.js';
import type { RawEngineConfig, RawListener } from './engine.js';

/** Never more route sets deep than this when following passes (a loop ends here too). */
const MAX_DEPTH = 16;

function routeSteps(routes: unknown, name: string | undefined): unknown[] | undefined {
  if (name === undefined) return Array.isArray(routes) ? routes : undefined;
  if (routes === null || typeof routes !== 'object' || Array.isArray(routes)) return undefined;
  const steps = (routes as Record<string, unknown>)[name];
  return Array.isArray(steps) ? steps : undefined;
}

/** The applications a pass can lead to; null when it cannot be known without a request. */
function reachable(pass: string, routes: unknown, seen: Set<string>, depth: number): Set<string> | null {
  if (pass.includes('$')) return null;
  if (depth > MAX_DEPTH) return new Set();
  const apps = new Set<string>();
  const app = /^applications\/([^/]+)(?:\/.*)?$/.exec(pass);
  if (app) {
    apps.add(decodeURIComponent(app[1]));
    return apps;
  }
  const m = /^routes(?:\/(.+))?$/.exec(pass);
  if (!m) return apps;
  const key = m[1] ?? '';
  if (seen.has(key)) return apps;
  seen.add(key);
  for (const step of routeSteps(routes, m[1]) ?? []) {
    let action = (step as { action?: RawAction } | null)?.action;
    while (action) {
      if (typeof action.pass === 'string') {
        const more = reachable(action.pass, routes, seen, depth + 1);
        if (more === null) return null;
        for (const a of more) apps.add(a);
      }
      action = action.fallback;
    }
  }
  return apps;
}

/** The application whose processes accept this listener's connections, or undefined (the router does). */
export function acceptingApplication(listener: RawListener, config: RawEngineConfig): string | undefined {
  if (listener.tls !== undefined) return undefined;
  if (config.settings?.http?.compression !== undefined) return undefined;
  const apps = reachable(listenerPass(listener), config.routes, new Set(), 0);
  if (apps === null || apps.size !== 1) return undefined;
  const [name] = apps;
  return config.applications?.[name] === undefined ? undefined : name;
}

/** Applications whose "user" and "group" are the same as those of every other one in `names`. */
function sameCredentials(names: Set<string>, config: RawEngineConfig): boolean {
  let first: string | undefined;
  for (const name of names) {
    const app = config.applications?.[name] as { user?: unknown; group?: unknown } | undefined;
    if (app === undefined) return false;
    const who = `${String(app.user ?? '')}:${String(app.group ?? '')}`;
    if (first === undefined) first = who;
    else if (who !== first) return false;
  }
  return true;
}

/**
 * The applications a router-accepted listener may hand client connections
 * to (empty: none): those it can reach, when they are known without a
 * request and all run as the same user and group; plain HTTP only (the
 * router ends TLS), and never while responses are compressed.
 */
export function handoffApplications(listener: RawListener, config: RawEngineConfig): Set<string> {
  if (listener.tls !== undefined || config.settings?.http?.compression !== undefined) return new Set();
  const apps = reachable(listenerPass(listener), config.routes, new Set(), 0);
  if (apps === null || !sameCredentials(apps, config)) return new Set();
  return apps;
}
