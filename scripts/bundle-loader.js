// Copied by scripts/bundle.js into dist/bundle/ as load-bundle.js: runs a
// bundle's code as the module that asked for it, compiled with the V8 code
// cache the build made beside it (<code>.cache). Parsing and compiling a
// bundle of 0.3-0.9 MB is most of the cost of loading it at each process
// start; with the cache V8 deserialises what the build compiled instead.
// V8 checks the cache against the source, its version and flags, and
// compiles as usual when it does not fit (another Node). V8's check of the
// source is its length only (a cache of other code of the same length runs
// that code), so the cache starts with the SHA-256 of the source it was made
// of, and is not offered to V8 for any other. It is trusted as the code is:
// owned by the code's owner and writable by nobody who may not write the code.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const DIGEST = 32;

/** What a cache file holds: the source's digest, then V8's data. */
function cacheFileData(source, data) {
  return Buffer.concat([crypto.createHash('sha256').update(source).digest(), data]);
}

/** V8's data of the cache, or undefined when there is none, it was made of other source or it is not as trusted as the code. */
function trustedCache(codeFile, source, cacheFile) {
  try {
    const code = fs.statSync(codeFile);
    const cache = fs.statSync(cacheFile);
    if (!cache.isFile() || cache.uid !== code.uid || cache.mode & ~code.mode & 0o022) return undefined;
    const bytes = fs.readFileSync(cacheFile);
    const digest = crypto.createHash('sha256').update(source).digest();
    return bytes.length > DIGEST && digest.equals(bytes.subarray(0, DIGEST)) ? bytes.subarray(DIGEST) : undefined;
  } catch {
    return undefined;
  }
}

/** The code of a bundle, compiled with its cache when there is a trusted one (cachedDataRejected says whether V8 took it). */
function compile(file) {
  const source = fs.readFileSync(file);
  return new vm.Script(Module.wrap(source.toString('utf8')), {
    filename: file,
    cachedData: trustedCache(file, source, `${file}.cache`),
    // import() in the code (an ES module app) goes to Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/**
 * Runs `<dir of mod>/<name>` with mod's module and exports, as if it were
 * mod's own code. `compiled` sees the script before it runs (the build's
 * warm-up keeps its cache when the process exits).
 */
function run(mod, name, compiled) {
  const file = path.join(path.dirname(mod.filename), name);
  const script = compile(file);
  compiled?.(script);
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(mod.filename), mod, file, path.dirname(file));
}

module.exports = { cacheFileData, compile, run };
