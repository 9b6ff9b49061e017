// Who may call what between Weft's processes (src/protocol/callers.ts). An
// application process runs user code next to its channel to main; what it
// writes there must not get root's help.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { METHOD_CALLERS } from '../src/protocol/callers.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { sources } from './helpers/sources.js';

const root = path.resolve(__dirname, '..', '..');

test('every method a Weft process serves says who may call it, by process types that exist', (t) => {
  const served = new Set<string>();
  for (const file of [...sources(path.join(root, 'src')), ...sources(path.join(root, 'plugins'))]) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\b(?:handle|onNotify)\('([a-z]+\.[a-z-]+)'/g)) served.add(m[1]);
  }
  const kernel = [...served].filter((m) => m.startsWith('kernel.'));
  const unlisted = [...served].filter((m) => !m.startsWith('kernel.') && !Object.hasOwn(METHOD_CALLERS, m));
  t.deepEqual(unlisted, [], 'served but open to every peer');
  t.deepEqual(kernel, ['kernel.start-failed'], "the kernel's own are open");
  t.true(served.size > 40, `found ${served.size} methods`);
  const types = new Set(['main', 'controller', 'router', 'discovery', 'prototype', 'application']);
  for (const [method, callers] of Object.entries(METHOD_CALLERS)) {
    for (const c of callers) t.true(types.has(c), `${method}: "${c}" is no process type`);
    t.true(served.has(method), `${method} is listed but nobody serves it`);
  }
});

// The app forges an RPC request on its channel to main (fd 3): a frame
// header (type 7 = RPC_REQUEST, first+last, stream, reply port, length)
// and the JSON body, as kernel/ports/frame.ts writes them.
const FORGER = `
const fs = require('fs');
function forge(method, params) {
  const body = Buffer.from(JSON.stringify({ method, params }));
  const head = Buffer.alloc(16);
  head.writeUInt8(7, 0);
  head.writeUInt8(3, 1);
  head.writeUInt32LE(424242, 4);
  head.writeUInt32LE(process.pid, 8);
  head.writeUInt32LE(body.length, 12);
  fs.writeSync(3, Buffer.concat([head, body]));
}
require('http').createServer((req, res) => {
  if (req.url === '/forge') {
    forge('main.open-log', { path: process.env.TARGET });
    forge('main.cert-list', {});
    return res.end('sent');
  }
  res.end('still here');
}).listen(3000);
`;

test("an application process that writes main's methods on its channel gets nothing: main opens no file for it and says who asked", async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const script = path.join(dir, 'forger.js');
  fs.writeFileSync(script, FORGER);
  const target = path.join(dir, 'written-by-root');
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/forger' } },
    applications: { forger: { type: 'node', script, environment: { TARGET: target } } },
  });
  t.is((await request({ port }, '/forge')).text, 'sent');
  await w.waitForLog(/refused "main\.cert-list" from "forger" application \(pid \d+, application\): only controller may call it/);
  t.regex(w.log(), /refused "main\.open-log" from "forger" application \(pid \d+, application\): only router may call it/);
  t.false(fs.existsSync(target), 'main (root) created no file for the app');
  t.is((await request({ port }, '/')).text, 'still here', 'the app and main go on');
});

test("a process of the routers' and controller's user (an application's by default) can neither read their memory nor take their fds", async (t) => {
  if (process.getuid?.() !== 0) return t.pass('[skipped: needs root to run a probe as another user]');
  const w = await startWithConfig(t, {});
  const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const group = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  const cores = childrenOf(w.pid).filter((c) => ['weft: router', 'weft: controller'].includes(commandLine(c.pid)));
  t.is(cores.length, 2);
  for (const { pid } of cores) {
    t.is(fs.statSync(`/proc/${pid}/mem`).uid, 0, `${commandLine(pid)}: its /proc files are root's`);
    // What an application running as nobody would try: the channel fds, the memory.
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); for (const p of ['fd/3', 'mem']) { try { fs.openSync('/proc/${pid}/' + p, 'r'); console.log('opened ' + p); } catch (e) { console.log(e.code + ' ' + p); } }`,
      ],
      { uid: nobody, gid: group, encoding: 'utf8' },
    );
    t.is(probe.stdout.trim(), 'EACCES fd/3\nEACCES mem', `${commandLine(pid)} as seen by nobody`);
  }
});
