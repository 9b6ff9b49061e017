// npm's install step (scripts/build-addon.js) never destroys a working
// addon: `npx weft` inside the checkout reruns it while servers may run
// from the same build/ directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

const root = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(root, 'scripts', 'build-addon.js');
const ADDON = path.join(root, 'build', 'Release', 'weft.node');

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // As .ci/run does: node-gyp must find this machine's headers, not download them.
  if (!e.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) e.npm_config_nodedir = '/usr';
  return e;
}

function loads(): boolean {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(ADDON)}).gettid()`]);
  return r.status === 0;
}

test('an install with the addon up to date builds nothing', (t) => {
  const before = fs.statSync(ADDON);
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: root, env: env(), encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /the native addon is up to date/);
  t.is(fs.statSync(ADDON).ino, before.ino);
});

test('a build that fails leaves the working addon in place, and says so', (t) => {
  const before = fs.statSync(ADDON);
  // A compiler that always fails, as a broken toolchain would.
  const r = spawnSync(process.execPath, [SCRIPT, '--force'], {
    cwd: root,
    env: env({ CXX: '/bin/false', CC: '/bin/false' }),
    encoding: 'utf8',
  });
  t.is(r.status, 1);
  t.regex(r.stderr, /building the native addon failed: node-gyp exited with 1\n/);
  t.regex(r.stderr, /the addon built earlier is still in place/);
  const after = fs.statSync(ADDON);
  t.is(after.ino, before.ino);
  t.is(after.mtimeMs, before.mtimeMs);
  t.true(loads());
  // Nothing half-built is left beside it.
  t.deepEqual(
    fs.readdirSync(path.dirname(ADDON)).filter((n) => n.includes('.tmp')),
    [],
  );
});
