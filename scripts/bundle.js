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
'use strict';
const path = require('node:path');

const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');

esbuild.buildSync({
  entryPoints: {
    weftd: path.join(root, 'dist', 'src', 'cli', 'weftd.js'),
    'process-entry': path.join(root, 'dist', 'src', 'process-entry.js'),
    // Preloaded into every Node application process (the name is what app-entry.js looks for to hide itself).
    'app-entry': path.join(root, 'dist', 'src', 'app-runtime', 'app-entry.js'),
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
