// Makes `unit-http` resolvable without installing anything.
//
// CommonJS: Module._resolveFilename is the one function every require() and
// require.resolve() goes through; mapping the bare name there is enough, and
// mapping it to a builtin's id makes require() return the builtin itself.
//
// ES modules resolve on Node's loader thread and need a resolve hook
// registered with module.register(). Registering starts that thread, which
// costs about 80-130 ms of start-up and 10 MB here; so it is done only for an
// ES module app whose entry mentions unit-http (apps written for Unit import
// it from their entry).
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { UNIT_HTTP_TARGETS } from './unit-http-targets.js';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
interface ModuleInternals {
  _resolveFilename: ResolveFilename;
}

let requireMapped = false;
let hooksRegistered = false;

export function mapUnitHttpForRequire(): void {
  if (requireMapped) return;
  requireMapped = true;
  const loader = Module as unknown as ModuleInternals;
  const resolveFilename = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return UNIT_HTTP_TARGETS.get(request) ?? resolveFilename.call(this, request, ...rest);
  };
}

export function mapUnitHttpForImport(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  Module.register(pathToFileURL(path.join(__dirname, 'unit-http-hooks.js')).href);
}

export function unitHttpMappedForImport(): boolean {
  return hooksRegistered;
}
