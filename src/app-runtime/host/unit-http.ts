// Makes `unit-http` resolvable without installing anything.
//
// Node >= 22.15 / 23.5: one synchronous resolve hook registered with the
// public module.registerHooks() maps the name for require() and import()
// alike, on the app's own thread (no loader thread, no start-up cost). On
// Node 22 require.resolve() does not run those hooks, so there (as on
// Node 20) Module._resolveFilename is mapped as well.
//
// Node 20 (no registerHooks): CommonJS goes through Module._resolveFilename,
// the one function every require() and require.resolve() calls (a Node
// internal: node-internals/module-loader.ts); mapping the bare name there to
// a builtin's id makes require() return the builtin itself. ES modules
// resolve on Node's loader thread and need a hook registered with
// module.register(), which starts that thread (about 80-130 ms of start-up
// and 10 MB), so that is done only for an ES module app whose entry mentions
// unit-http. (module.register() is deprecated from Node 26, DEP0205: it is
// never called where registerHooks exists.)
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { hasRegisterHooks, moduleResolveFilename, registerHooksCoverResolve } from '../../node-internals/module-loader.js';
import { usable } from '../../node-internals/node-internal.js';
import { HOST_DIR, UNIT_HTTP_TARGETS, unitHttpUrl } from './unit-http-targets.js';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
interface ModuleInternals {
  _resolveFilename: ResolveFilename;
}

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
interface SyncHooks {
  registerHooks(hooks: {
    resolve(specifier: string, context: unknown, nextResolve: (specifier: string, context?: unknown) => ResolveResult): ResolveResult;
  }): unknown;
}

let requireMapped = false;
let hooksRegistered = false;

export function mapUnitHttpForRequire(): void {
  if (requireMapped) return;
  requireMapped = true;
  if (hasRegisterHooks()) {
    hooksRegistered = true;
    (Module as unknown as SyncHooks).registerHooks({
      resolve(specifier, context, nextResolve) {
        const url = unitHttpUrl(specifier);
        if (url !== undefined) return { url, shortCircuit: true };
        return nextResolve(specifier, context);
      },
    });
    if (registerHooksCoverResolve()) return;
    // Node 22: require.resolve() skips those hooks; the loader's own function serves it below.
  }
  // Probed at start-up; when missing, unit-http is simply not provided (logged then).
  if (!usable(moduleResolveFilename)) return;
  const loader = Module as unknown as ModuleInternals;
  const resolveFilename = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return UNIT_HTTP_TARGETS.get(request) ?? resolveFilename.call(this, request, ...rest);
  };
}

export function mapUnitHttpForImport(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  Module.register(pathToFileURL(path.join(HOST_DIR, 'unit-http-hooks.js')).href);
}

export function unitHttpMappedForImport(): boolean {
  return hooksRegistered;
}
