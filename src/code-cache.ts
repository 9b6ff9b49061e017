// V8 code caches for Weft's own large code: the bundles of its processes
// (dist/bundle/, made by scripts/bundle.js) and the configuration schema's
// standalone code (dist/schema-cache/, scripts/prebuild-schema.js). Parsing
// and compiling them is most of their cost at each process start; with a
// cache V8 deserialises what the build compiled. V8 checks a cache against
// its own version and flags (another Node compiles as usual) but checks the
// source only by its length: a cache of other code of the same length runs
// that other code. So a cache file (<code file>.cache) starts with a
// 128-bit digest of the source it was made of (native/digest.ts), and is offered to V8
// for that source only. It is trusted as the code is: owned by the code's
// owner and writable by nobody who may not write the code.
// Node's builtins and the addon only: the bundles' small entry files load
// this module before anything else.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

import { digest } from './native/digest.js';

const DIGEST = 16;

/** What a cache file holds: the digest of the source, then V8's data. */
export function cacheFileData(source: Buffer, data: Buffer): Buffer {
  return Buffer.concat([digest(source), data]);
}

function trustedCache(codeFile: string, source: Buffer): Buffer | undefined {
  const cacheFile = `${codeFile}.cache`;
  try {
    const code = fs.statSync(codeFile);
    const cache = fs.statSync(cacheFile);
    if (!cache.isFile() || cache.uid !== code.uid || cache.mode & ~code.mode & 0o022) return undefined;
    const bytes = fs.readFileSync(cacheFile);
    return bytes.length > DIGEST && digest(source).equals(bytes.subarray(0, DIGEST)) ? bytes.subarray(DIGEST) : undefined;
  } catch {
    return undefined;
  }
}

// What Node wraps a CommonJS module's code in. The build writes the bundles
// wrapped: wrapping at start made a second copy of a 0.3-0.9 MB string,
// garbage that stayed in the heap until a full GC.
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'] as const;

/** Code as compileModule() compiles it (the bundles are written so). */
export function wrapModule(code: string): string {
  return WRAPPER[0] + code + WRAPPER[1];
}

/** CommonJS code (wrapped already, or not) compiled as a module's, with its cache when a fitting, trusted one is there (cachedDataRejected says whether V8 took it). */
export function compileModule(file: string, source: Buffer): vm.Script {
  const text = source.toString('utf8');
  return new vm.Script(text.startsWith(WRAPPER[0]) ? text : wrapModule(text), {
    filename: file,
    cachedData: trustedCache(file, source),
    // import() in the code (an ES module app) goes to Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

type ModuleWrapper = (exports: unknown, require: unknown, module: unknown, filename: string, dirname: string) => void;

/** Runs compiled module code with this module object and require. */
export function runModule(script: vm.Script, file: string, module: { exports: unknown }, require: unknown): void {
  (script.runInThisContext() as ModuleWrapper).call(module.exports, module.exports, require, module, file, path.dirname(file));
}

/**
 * Runs `<dir of mod>/<name>` as if it were mod's own code (the bundles'
 * entry files). `compiled` sees the script before it runs (the build keeps
 * its cache when the process exits).
 */
export function runBundle(mod: NodeModule, name: string, compiled?: (script: vm.Script) => void): void {
  const file = path.join(path.dirname(mod.filename), name);
  const script = compileModule(file, fs.readFileSync(file));
  compiled?.(script);
  runModule(script, file, mod, Module.createRequire(mod.filename));
}
