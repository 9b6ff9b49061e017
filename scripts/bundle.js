#!/usr/bin/env node
// Build step (after tsc): each entry point of Weft's own processes (main's
// weftd, and the process entry every other core process runs) bundled with
// esbuild into one file in dist/bundle/. A Node process then reads and
// compiles one file instead of resolving, reading and compiling ~150: ~30 ms
// of CPU less per process at every start (issue 15). bin/weftd uses a bundle
// only when it is at least as new as the compiled sources it was made from
// (tsc's build info), so a `tsc` without this step falls back to dist/src/
// instead of running stale code. Files that run on their own (worker
// threads' entries, the ESM hooks of the app runtime) stay in dist/src/.
//
// weftd.js, process-entry.js and app-entry.js are small entry files that
// run <name>-code.js through src/code-cache.ts, compiled with a V8 code cache
// made here by loading each code file once in a Node process of the build's
// own (<name>-code.js.cache): ~15 ms of CPU less per process start. Without
// a cache (another Node, a failed warm-up) they compile as before.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');

/** Entries loaded through the cache, and the arguments that load all their modules and exit at once. */
const cached = {
  weftd: ['--version'],
  // Without its boot information it says it is started by weftd and exits.
  'process-entry': [],
  // Preloaded into every Node application process (--require; the name is what it looks for to hide itself).
  // Without an application to run, it does nothing.
  'app-entry': [],
};

fs.rmSync(outdir, { recursive: true, force: true });
esbuild.buildSync({
  entryPoints: {
    'weftd-code': path.join(root, 'dist', 'src', 'cli', 'weftd.js'),
    'process-entry-code': path.join(root, 'dist', 'src', 'process-entry.js'),
    'app-entry-code': path.join(root, 'dist', 'src', 'app-runtime', 'app-entry.js'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The addon is loaded by path; ajv only when a schema must be compiled (in a worker thread, from dist/src).
  external: ['*.node', 'ajv', 'ajv/*'],
  logLevel: 'warning',
});

const codeCache = path.join(root, 'dist', 'src', 'code-cache.js');
// Each code file is kept wrapped as a module's function (src/code-cache.ts says why).
const { wrapModule } = require(codeCache);
for (const name of Object.keys(cached)) {
  const file = path.join(outdir, `${name}-code.js`);
  fs.writeFileSync(file, wrapModule(fs.readFileSync(file, 'utf8')));
}
// Which Node made the caches (the tests check that this one takes them).
fs.writeFileSync(
  path.join(outdir, 'code-cache.json'),
  JSON.stringify({ node: process.version, v8: process.versions.v8, entries: Object.keys(cached) }),
);
for (const [name, args] of Object.entries(cached)) {
  const code = `${name}-code.js`;
  // Loads the code as the entry file will, then keeps what V8 compiled (every module's body ran) as its cache.
  const warm = [
    "const fs = require('node:fs');",
    `const { cacheFileData, runBundle } = require(${JSON.stringify(codeCache)});`,
    `const [source, cache] = ${JSON.stringify([path.join(outdir, code), path.join(outdir, `${code}.cache`)])};`,
    'const keep = (script) => process.on("exit", () => fs.writeFileSync(cache, cacheFileData(fs.readFileSync(source), script.createCachedData())));',
    `runBundle(module, ${JSON.stringify(code)}, keep);`,
  ].join('\n');
  const file = path.join(outdir, `${name}.js`);
  fs.writeFileSync(file, warm);
  const env = { ...process.env };
  delete env.WEFT_BOOT;
  const r = spawnSync(process.execPath, [file, ...args], { stdio: 'ignore', env });
  if (!fs.existsSync(path.join(outdir, `${code}.cache`))) {
    process.stderr.write(`bundle: no code cache for ${name} (warm-up exited with ${r.status ?? r.signal}); it compiles at each start\n`);
  }
  fs.writeFileSync(
    file,
    `'use strict';\n// Built by scripts/bundle.js: ${code} with its V8 code cache.\nrequire('../src/code-cache.js').runBundle(module, ${JSON.stringify(code)});\n`,
  );
}
