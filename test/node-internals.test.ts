// The Node internals catalogue (src/node-internals): every entry is
// complete, every probe passes on the Node running this test (the Node
// matrix runs this file on each supported Node), a missing internal with no
// public replacement refuses with WEFT_ERR_NODE_INTERNAL before any user
// code runs, and a missing one with a fallback is said once and served
// through the public path. WEFT_HIDE_NODE_INTERNALS hides internals.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { NODE_INTERNALS } from '../src/node-internals/catalogue.js';
import { problemsFor } from '../src/node-internals/check.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';

const root = path.resolve(__dirname, '..', '..');
const apps = path.join(root, 'test', 'fixtures', 'apps');

test('each internal says what it is, where it is used, why, and what happens without it', (t) => {
  const ids = new Set<string>();
  for (const i of NODE_INTERNALS) {
    t.regex(i.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, i.id);
    t.false(ids.has(i.id), `duplicate ${i.id}`);
    ids.add(i.id);
    t.true(i.usedBy.length > 0, i.id);
    t.true(i.why.length > 20, i.id);
    t.is(i.missing === 'fallback', typeof i.fallback === 'string' && i.fallback.length > 0, i.id);
    for (const file of i.where) t.true(fs.existsSync(path.join(root, file)), `${i.id}: ${file}`);
  }
});

test(`every probe passes on this Node (${process.version})`, (t) => {
  for (const kind of ['main', 'router', 'application'] as const) t.deepEqual(problemsFor(kind), [], kind);
});

test('an internal the app host cannot do without: the app is refused with WEFT_ERR_NODE_INTERNAL naming it and the Node version', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(
    t,
    { listeners: {}, applications: {} },
    { env: { WEFT_HIDE_NODE_INTERNALS: 'net-server-fields' }, args: ['--log-format', 'json'] },
  );
  const r = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/plain' } },
      applications: { plain: { type: 'node', script: path.join(apps, 'plain-http.js'), processes: 1 } },
    }),
  );
  t.is(r.status, 500);
  const detail = (r.body as { detail: string }).detail;
  t.true(detail.includes('(net-server-fields)'), detail);
  t.true(detail.includes(`Node ${process.version}`), detail);
  const line = (await w.waitForLog(/^.*"WEFT_ERR_NODE_INTERNAL".*$/m))[0];
  t.regex(line, /net-server-fields/);
  // Never a TypeError from inside the app.
  t.notRegex(w.log(), /TypeError/);
});

test('internals with a public fallback: routed and direct apps serve through it, each process says so once', async (t) => {
  const hidden = NODE_INTERNALS.filter((i) => i.missing === 'fallback').map((i) => i.id);
  const direct = await freePort();
  const routed = await freePort();
  const w = await startWithConfig(
    t,
    {
      listeners: { [`127.0.0.1:${direct}`]: { pass: 'applications/plain' }, [`127.0.0.1:${routed}`]: { pass: 'routes' } },
      routes: [{ match: { uri: '*' }, action: { pass: 'applications/plain$arg_weft_unused' } }],
      applications: { plain: { type: 'node', script: path.join(apps, 'plain-http.js'), processes: 1 } },
    },
    { env: { WEFT_HIDE_NODE_INTERNALS: hidden.join(',') } },
  );
  for (const port of [direct, routed]) {
    for (let i = 0; i < 3; i++) {
      const r = await request({ port }, '/info');
      t.is(r.status, 200);
      t.true((JSON.parse(r.text) as { isMain: boolean }).isMain);
    }
  }
  // The router's reader: a body larger than a socket buffer, through http.ClientRequest.
  const big = await request({ port: routed }, '/echo', { method: 'POST', body: 'x'.repeat(1 << 20) });
  t.is((JSON.parse(big.text) as { body: string }).body.length, 1 << 20);
  const log = w.log();
  // Once per process that uses it: each router worker and the application process.
  const parserLines = log.split('\n').filter((l) => /\(http-parser\) is not usable/.test(l));
  const pids = parserLines.map((l) => /(\d+)#\d+/.exec(l)?.[1]);
  t.deepEqual([...new Set(pids)].sort(), [...pids].sort(), `each process says it once: ${log}`);
  t.true(pids.length >= 2, log);
  t.true(
    parserLines.some((l) => /"plain" application/.test(l)),
    'the application process says it too',
  );
  t.regex(log, /\(module-run-main\) is not usable/);
});

test('every process of a weftd runs the Node that started it (the matrix relies on this)', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/plain' } },
    applications: { plain: { type: 'node', script: path.join(apps, 'plain-http.js'), processes: 1 } },
  });
  t.is((await request({ port }, '/info')).status, 200);
  const node = fs.realpathSync(process.execPath);
  const tree: number[] = [];
  const walk = (pid: number): void => {
    tree.push(pid);
    for (const child of childrenOf(pid)) walk(child.pid);
  };
  walk(w.pid);
  // main, controller, router and the app's process at least (main starts it: no isolation, no prototype).
  t.true(tree.length >= 4, `${tree.length} processes`);
  for (const pid of tree) {
    let exe: string;
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      continue; // exited meanwhile
    }
    t.is(exe, node, `process ${pid} (${commandLine(pid).slice(0, 80)})`);
  }
});
