// The CommonJS loader's replaceable functions the application host uses
// (runtime/main-takeover.ts, runtime/app-loader.ts, runtime/unit-http.ts).
//
// - Module.runMain: node calls it to run the main script after the
//   --require preloads, and keeps it replaceable for tools such as ts-node
//   and nyc (lib/internal/main/run_main_module.js). The host takes the run
//   over so that a failure to load reaches the router with its reason. No
//   public API runs code between the preloads and the main script. If a
//   Node stops calling it, node runs the script itself (main-takeover.ts
//   notices and says so once).
// - Module._load(file, null, true): what runMain itself calls for a
//   CommonJS main; the only way to run a file as the main module
//   (require.main === module). import() or require() would make
//   `require.main === module` false in the app.
// - Module._resolveFilename: to make `require('unit-http')` and
//   require.resolve('unit-http') resolve, only where module.registerHooks
//   (22.15+, 23.5+) does not cover require.resolve(): Node 20 and 22.
import Module from 'node:module';

import type { NodeInternal } from './node-internal.js';

interface Loader {
  runMain?: unknown;
  _load?: unknown;
  _resolveFilename?: unknown;
  registerHooks?: unknown;
}

const loader = Module as unknown as Loader;

export const moduleRunMain: NodeInternal = {
  id: 'module-run-main',
  name: 'Module.runMain (replaced from a --require preload)',
  usedBy: ['application'],
  where: ['src/app-runtime/host/main-takeover.ts'],
  why: 'no public hook runs between the preloads and the main script; without it a failed load is only a dying process',
  missing: 'fallback',
  fallback:
    "node runs the app's main script itself; a failure to load reaches main through 'uncaughtExceptionMonitor' (less exact: no file and line)",
  probe: () => (typeof loader.runMain === 'function' ? undefined : `Module.runMain is ${typeof loader.runMain}, not a function`),
};

export const moduleLoad: NodeInternal = {
  id: 'module-load',
  name: 'Module._load(request, null, isMain)',
  usedBy: ['application'],
  where: ['src/app-runtime/host/app-loader.ts'],
  why: 'require() and import() do not make the file the main module (require.main === module would be false)',
  missing: 'refuse',
  probe: () => {
    if (typeof loader._load !== 'function') return `Module._load is ${typeof loader._load}, not a function`;
    // (request, parent, isMain): three declared parameters since Node 0.x.
    if ((loader._load as (...a: unknown[]) => unknown).length < 3) return 'Module._load takes fewer than 3 arguments';
    return undefined;
  },
};

/** Node 22.15+, 23.5+: synchronous resolve hooks for require() and import() alike, on the app's own thread. */
export function hasRegisterHooks(): boolean {
  return typeof loader.registerHooks === 'function';
}

interface HookHandle {
  deregister?(): void;
}
type Resolve = (
  specifier: string,
  context: unknown,
  next: (s: string, c?: unknown) => { url: string },
) => { url: string; shortCircuit?: boolean };

let coverResolve: boolean | undefined;

/**
 * Whether require.resolve() runs module.registerHooks resolve hooks too:
 * Node 24 and 26 yes, Node 22 (22.23 measured) no (only require() and
 * import() do). Found out once with a throw-away hook.
 */
export function registerHooksCoverResolve(): boolean {
  if (coverResolve !== undefined) return coverResolve;
  if (!hasRegisterHooks()) return (coverResolve = false);
  const specifier = 'weft-probe-of-resolve-hooks';
  const register = loader.registerHooks as (hooks: { resolve: Resolve }) => HookHandle;
  const handle = register({
    resolve: (s, c, next) => (s === specifier ? { url: 'node:path', shortCircuit: true } : next(s, c)),
  });
  try {
    coverResolve = /^(node:)?path$/.test(require.resolve(specifier));
  } catch {
    coverResolve = false;
  } finally {
    handle?.deregister?.();
  }
  return coverResolve;
}

export const moduleResolveFilename: NodeInternal = {
  id: 'module-resolve-filename',
  name: 'Module._resolveFilename (Node 20 and 22 only)',
  usedBy: ['application'],
  where: ['src/app-runtime/host/unit-http.ts'],
  why: 'module.registerHooks (public) replaces it where require.resolve() runs those hooks (Node 24, 26); Node 20 has no such hook, Node 22 runs it for require() but not require.resolve()',
  missing: 'fallback',
  fallback: "require('unit-http') is not mapped to node:http (apps import node:http, or install unit-http themselves)",
  probe: () => {
    if (registerHooksCoverResolve()) return undefined;
    return typeof loader._resolveFilename === 'function' ? undefined : `Module._resolveFilename is ${typeof loader._resolveFilename}`;
  },
};
