// Python apps through the real weftd, as a Unit user configures them:
// discovery's module line and /status, direct mode (the app processes
// accept the listener's connections and speak HTTP/1.1 themselves) and
// routed mode (today's router hands them connections with HTTP/1.1; the
// frames transport waits for the router's rewrite), WebSocket through the
// router, failures with their reason, crashes, restarts, process pools, and
// a rootfs with language_deps.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import WebSocket from 'ws';

import { controlRequest } from '../src/cli/control-client.js';
import { expectingContinue, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { probe, when } from './helpers/features.js';
import { commandLine } from './helpers/processes.js';
import { pythonFixtures } from './helpers/python-app.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import type { Weftd } from './helpers/weftd.js';

const withNamespaces = when(test, probe('namespaces'));

async function status(w: Weftd, at = ''): Promise<Record<string, unknown>> {
  return (await controlRequest({ socketPath: w.controlPath }, 'GET', `/status${at}`)).body as Record<string, unknown>;
}

test('discovery: one module line per interpreter, python in /status, "type" picks a version', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/w' } },
    applications: { w: { type: 'python 3', path: pythonFixtures, module: 'wsgi_app' } },
  });
  const line = /\[info\] \d+#\d+ module: python (3\.\d+\.\d+) "(\/[^"]+)"/.exec(w.log());
  t.truthy(line, w.log());
  const modules = (await status(w, '/modules')) as Record<
    string,
    { version: string; lib: string } | Array<{ version: string; lib: string }>
  >;
  const python = [modules.python].flat();
  t.true(python.some((m) => m.version === line![1] && m.lib === line![2]));
  t.is((await request({ port }, '/write')).text, 'written then returned');
  const refused = await controlRequest({ socketPath: w.controlPath }, 'PUT', '/config/applications/w/type', JSON.stringify('python 2.7'));
  t.is(refused.status, 400);
  t.regex(JSON.stringify(refused.body), /python 2\.7/);
});

test("a listener straight to a Python app and one through routes serve the same WSGI app (the router accepts both); the process title is Unit's shape", async (t) => {
  const direct = await freePort();
  const routed = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${direct}`]: { pass: 'applications/w' }, [`127.0.0.1:${routed}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '!/nothing' }, action: { pass: 'applications/w' } }],
    applications: { w: { type: 'python', path: pythonFixtures, module: 'wsgi_app', processes: 1 } },
  });
  for (const port of [direct, routed]) {
    const prefix = '';
    const env = JSON.parse(
      (await request({ port }, `${prefix}/environ?q=1`, { method: 'POST', body: 'abc', headers: { 'Content-Type': 'text/x' } })).text,
    ) as Record<string, string>;
    t.is(env.PATH_INFO, `${prefix}/environ`);
    t.is(env.QUERY_STRING, 'q=1');
    t.is(env.CONTENT_LENGTH, '3');
    t.is(env.REMOTE_ADDR, '127.0.0.1');
    t.is(env.SERVER_PORT, String(port));
    const echo = JSON.parse((await request({ port }, `${prefix}/echo?mode=readline`, { method: 'POST', body: 'a\nb' })).text) as {
      pieces: string[];
    };
    t.deepEqual(echo.pieces, ['a\n', 'b']);
    // Expect: 100-continue: asked for the body at once (as gunicorn does), which then reaches the app.
    const expecting = await expectingContinue({ port }, `${prefix}/upload`, 'hello');
    t.true(expecting.continued);
    t.is((JSON.parse(expecting.text) as { bytes: number }).bytes, 5);
    const big = await request({ port }, `${prefix}/upload`, { method: 'POST', body: Buffer.alloc(3 << 20, 1) });
    t.is((JSON.parse(big.text) as { bytes: number }).bytes, 3 << 20);
    const down = await request({ port }, `${prefix}/download?size=65536&chunks=32`);
    t.is(down.body.length, 32 * 65536);
    t.regex(String(down.headers.server), /^Weft\//);
  }
  const seen = JSON.parse((await request({ port: direct }, '/pid')).text) as { pid: number; uid: number; comm: string };
  t.is(commandLine(seen.pid), 'weft: "w" application');
  t.is(seen.uid, 65534, 'the app runs as --user (nobody)');
  t.notRegex(w.log(), /\[alert\]/);
});

test('ASGI through weftd: routed, with a WebSocket tunnelled by the router, and lifespan state', async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '!/nothing' }, action: { pass: 'applications/a' } }],
    applications: { a: { type: 'python', path: pythonFixtures, module: 'asgi_app', callable: 'app' } },
  });
  const scope = JSON.parse((await request({ port }, '/scope')).text) as Record<string, unknown>;
  t.deepEqual(scope.state, { started: 'yes' });
  t.deepEqual(scope.client, ['127.0.0.1', (scope.client as [string, number])[1]]);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, ['proto']);
  t.teardown(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  t.is(ws.protocol, 'proto');
  const answer = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  ws.send('through weftd');
  t.is(await answer, 'echo: through weftd');
});

test('a failing start is a failed apply with the Python reason; an exception is a 500; a crash is replaced', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '*' }, action: { pass: 'applications/w' } }],
    applications: { w: { type: 'python', path: pythonFixtures, module: 'wsgi_app' } },
  });
  // An app that cannot start: the change is refused, and the detail is Python's own reason.
  const bad = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config/applications/broken',
    JSON.stringify({ type: 'python', path: pythonFixtures, module: 'import_error' }),
  );
  t.is(bad.status, 500);
  t.regex(
    JSON.stringify(bad.body),
    /Python failed to import module \\"import_error\\": ModuleNotFoundError: No module named 'not_a_module_anywhere'/,
  );
  await w.waitForLog(/Traceback \(most recent call last\):[\s\S]*import_error\.py/);
  t.is((await request({ port }, '/fail')).status, 500);
  await w.waitForLog(/ValueError: the app broke on purpose/);
  const before = (JSON.parse((await request({ port }, '/pid')).text) as { pid: number }).pid;
  const crash = await request({ port }, '/crash');
  t.is(crash.status, 502);
  // The worker is replaced (with backoff): a later request is served by the new one.
  let next = await request({ port }, '/pid');
  for (let i = 0; i < 200 && next.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    next = await request({ port }, '/pid');
  }
  t.is(next.status, 200);
  t.not((JSON.parse(next.text) as { pid: number }).pid, before);
});

test('processes {max, spare}, restart by generation, limits.requests, stdout to the log', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } },
    applications: { p: { type: 'python', path: pythonFixtures, module: 'wsgi_app', processes: { max: 3, spare: 2 } } },
  });
  const running = async (): Promise<number> =>
    ((await status(w, '/applications/p')) as { processes: { running: number } }).processes.running;
  for (let i = 0; i < 200 && (await running()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
  t.is(await running(), 2);
  const first = (JSON.parse((await request({ port }, '/pid')).text) as { pid: number }).pid;
  const restart = await controlRequest({ socketPath: w.controlPath }, 'GET', '/control/applications/p/restart');
  t.is(restart.status, 200);
  let pid = first;
  for (let i = 0; i < 200 && pid === first; i++) {
    pid = (JSON.parse((await request({ port }, '/pid')).text) as { pid: number }).pid;
    if (pid === first) await new Promise((r) => setTimeout(r, 50));
  }
  t.not(pid, first, 'a new generation serves');
  await request({ port }, '/print');
  await w.waitForLog(/printed by the app/);
  // limits.requests: a process leaves after 3 requests, none of them failing.
  await applyConfig(
    w,
    { type: 'python', path: pythonFixtures, module: 'wsgi_app', processes: 1, limits: { requests: 3 } },
    '/config/applications/p',
  );
  const pids = new Set<number>();
  for (let i = 0; i < 9; i++) {
    const r = await request({ port }, '/pid');
    t.is(r.status, 200);
    pids.add((JSON.parse(r.text) as { pid: number }).pid);
  }
  t.true(pids.size >= 3, `${pids.size} processes served 9 requests`);
});

withNamespaces("rootfs with language_deps: the interpreter and Weft's runtime are found inside", async (t) => {
  const root = tempDir(t, 'weft-py-root-');
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, 'srv'));
  fs.copyFileSync(path.join(pythonFixtures, 'wsgi_app.py'), path.join(root, 'srv', 'wsgi_app.py'));
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/iso' } },
    applications: {
      iso: {
        type: 'python',
        path: '/srv',
        module: 'wsgi_app',
        user: 'root',
        isolation: { rootfs: root, namespaces: { mount: true, pid: true, credential: true } },
      },
    },
  });
  const seen = JSON.parse((await request({ port }, '/pid')).text) as { root: string[]; cwd: string; comm: string };
  t.true(seen.root.includes('srv'));
  t.true(seen.root.includes('usr'));
  t.true(seen.root.includes('.weft'), "Weft's installation is bound at /.weft");
  t.false(seen.root.includes('work'), 'the host is not visible');
  t.is(seen.cwd, '/');
  t.is(seen.comm, 'weft: "iso" app');
});
