#!/usr/bin/env node
// npm's install step for Weft: builds the native addon
// (build/Release/weft.node) without ever removing a working one.
//
// A plain `node-gyp rebuild` starts by deleting build/, so a server running
// from this directory lost its addon for the length of the build (every
// process it starts loads it), and for good when the build failed. That
// happened for real: `npx weft` inside the checkout makes npm install the
// checkout into itself and rerun this step. So: build in a temporary
// directory, then rename the result into place (rename(2) is atomic: a
// process loading the addon sees the old file or the new one). A failed
// build leaves the old addon where it was and fails the install.
//
// A build is skipped when build/Release/weft.node was made from the same
// sources for the same Node ABI (the stamp beside it); --force builds anyway.
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const releaseDir = path.join(root, 'build', 'Release');
const target = path.join(releaseDir, 'weft.node');
const stampFile = `${target}.stamp`;
const force = process.argv.includes('--force');

function fail(message) {
  process.stderr.write(`weft: building the native addon failed: ${message}\n`);
  if (fs.existsSync(target)) process.stderr.write(`weft: the addon built earlier is still in place: ${target}\n`);
  process.exit(1);
}

/** The gyp file for a copy of native/ in another directory (node-addon-api's headers found from here). */
function portableGyp() {
  const gyp = JSON.parse(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8'));
  let addonApi;
  try {
    addonApi = path.dirname(require.resolve('node-addon-api/package.json', { paths: [root] }));
  } catch {
    fail('the node-addon-api package is not installed');
  }
  for (const t of gyp.targets) {
    // binding.gyp asks node for the include dir, relative to where gyp runs.
    t.include_dirs = t.include_dirs.map((d) => (d.startsWith('<!') ? addonApi : path.resolve(root, d)));
  }
  return gyp;
}

/**
 * What the addon is built from: the sources and the gyp file (which pins the
 * Node-API version, NAPI_VERSION), for this platform and architecture. Not
 * the Node that runs the install: the addon uses Node-API only, so one build
 * loads on every supported Node (scripts/node-matrix.js checks that on each),
 * and `npm ci` under another Node must not rebuild it.
 */
function stamp(gyp) {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify(gyp));
  hash.update(`${process.platform} ${process.arch}`);
  const nativeDir = path.join(root, 'native');
  for (const name of fs.readdirSync(nativeDir).sort()) hash.update(name).update(fs.readFileSync(path.join(nativeDir, name)));
  return hash.digest('hex');
}

function nodeGyp() {
  // npm hands install scripts its own node-gyp; outside npm, the devDependency.
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) return [process.execPath, [bundled]];
  const local = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(local)) return [process.execPath, [local]];
  return ['node-gyp', []];
}

function main() {
  const gyp = portableGyp();
  const wanted = stamp(gyp);
  if (!force && fs.existsSync(target) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === wanted) {
    process.stdout.write(`weft: the native addon is up to date (${target})\n`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-addon-'));
  try {
    fs.writeFileSync(path.join(work, 'binding.gyp'), JSON.stringify(gyp, null, 2));
    fs.cpSync(path.join(root, 'native'), path.join(work, 'native'), { recursive: true });
    const [cmd, args] = nodeGyp();
    const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: work, stdio: 'inherit', env: process.env });
    if (r.error) fail(`cannot run node-gyp: ${r.error.message}`);
    if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}`);
    const built = path.join(work, 'build', 'Release', 'weft.node');
    if (!fs.existsSync(built)) fail(`node-gyp made no ${built}`);
    fs.mkdirSync(releaseDir, { recursive: true });
    // Copied next to its final name first, so that the rename stays on one filesystem.
    const next = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(built, next);
    fs.renameSync(next, target);
    fs.writeFileSync(`${stampFile}.${process.pid}.tmp`, wanted);
    fs.renameSync(`${stampFile}.${process.pid}.tmp`, stampFile);
    process.stdout.write(`weft: built ${target}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
