// Health: `weft health` (exit code for exec probes) and the HTTP endpoint
// named by settings.weft.health, against a real weftd.
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { evaluateReadiness } from '../src/health/readiness.js';
import { capture } from './helpers/capture.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import type { Weftd } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const WEFT = path.resolve(__dirname, '..', '..', 'bin', 'weft');

function weft(w: Weftd | string, ...args: string[]) {
  const control = typeof w === 'string' ? w : w.controlPath;
  return capture({ file: process.execPath, args: ['node', WEFT, '--control', `unix:${control}`, ...args], env: { ...process.env } });
}

test('weft health: ready with every app running, live; "weft health" of no server says why', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
    applications: {
      hello: { type: 'node', script: path.join(apps, 'hello.js'), processes: 2 },
      lazy: { type: 'node', script: path.join(apps, 'hello.js'), processes: { max: 2, spare: 0 } },
    },
  });
  const ready = await weft(w, 'health');
  t.is(ready.status.code, 0, ready.stdout + ready.stderr);
  t.is(ready.stdout, 'ready\n  application "lazy" starts its processes on the first request\n');
  const live = await weft(w, 'health', '--live');
  t.is(live.status.code, 0);
  t.is(live.stdout, 'live\n');
  const none = await weft('/nonexistent/control.sock', 'health');
  t.is(none.status.code, 1);
  t.is(none.stdout, 'not ready: no control socket at /nonexistent/control.sock (is weftd running? set --control or WEFT_CONTROL)\n');
});

test('weft health: not ready while an application has no running process, and says which', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/x' }, action: { pass: 'applications/flaky' } }, { action: { return: 204 } }],
    applications: { flaky: { type: 'node', script: path.join(apps, 'crashes-after-start.js'), processes: 1 } },
  });
  // It dies after each start and is restarted later and later: soon it has no process most of the time.
  let last = await weft(w, 'health');
  for (let i = 0; i < 200 && !/^not ready\n/.test(last.stdout); i++) last = await weft(w, 'health');
  t.is(last.status.code, 1);
  t.regex(last.stdout, /^not ready\n {2}application "flaky" has no running process( \(1 starting\))?\n$/);
});

test('the HTTP endpoint: /ready and /live answer on settings.weft.health, which moves and goes with the configuration', async (t) => {
  const [port, healthPort, movedPort] = [await freePort(), await freePort(), await freePort()];
  const config = {
    settings: { weft: { health: `127.0.0.1:${healthPort}` } },
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
    applications: { hello: { type: 'node', script: path.join(apps, 'hello.js') } },
  };
  const w = await startWithConfig(t, config);
  const ready = await request({ port: healthPort }, '/ready');
  t.is(ready.status, 200);
  t.deepEqual(JSON.parse(ready.text), { ready: true, reasons: [] });
  t.is(ready.headers['content-type'], 'application/json');
  const live = await request({ port: healthPort }, '/live');
  t.is(live.status, 200);
  t.deepEqual(JSON.parse(live.text), { live: true });
  t.is((await request({ port: healthPort }, '/other')).status, 404);
  t.is((await request({ port: healthPort }, '/ready', { method: 'POST' })).status, 405);
  t.is((await request({ port: healthPort }, '/ready', { method: 'HEAD' })).status, 200);

  await applyConfig(w, `127.0.0.1:${movedPort}`, '/config/settings/weft/health');
  t.is((await request({ port: movedPort }, '/ready')).status, 200);
  await t.throwsAsync(request({ port: healthPort }, '/ready'), { code: 'ECONNREFUSED' });

  await applyConfig(w, {}, '/config/settings');
  await t.throwsAsync(request({ port: movedPort }, '/ready'), { code: 'ECONNREFUSED' });
});

test('settings.weft.health is validated like the rest, and a taken address fails the change with the reason', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, { listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } }, routes: [{ action: { return: 204 } }] });
  const put = (value: unknown) => controlRequest({ socketPath: w.controlPath }, 'PUT', '/config/settings', JSON.stringify({ weft: value }));
  const cases: Array<[unknown, string]> = [
    [{ health: 8081 }, 'The "health" value must be a string, but not an integer number.'],
    [{ health: 'unix:/tmp/h.sock' }, 'The "health" address "unix:/tmp/h.sock" must be an IP address and a port, not a unix socket.'],
    [{ health: 'localhost:8081' }, 'The "health" address "localhost:8081" is invalid.'],
    [{ health: `*:${port}` }, `The "health" address "*:${port}" is taken by the listener "127.0.0.1:${port}".`],
    [{ prometheus: true }, 'Unknown parameter "prometheus".'],
    [
      { health: '*:9100', metrics: '127.0.0.1:9100' },
      'The "metrics" address "127.0.0.1:9100" overlaps the "health" address "*:9100": use the same address for both, or another port.',
    ],
  ];
  for (const [value, detail] of cases) {
    const r = await put(value);
    t.is(r.status, 400, JSON.stringify(value));
    t.is((r.body as { detail: string }).detail, detail);
  }
  // Taken by another program: the change fails whole, with the errno.
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  t.teardown(() => void squatter.close());
  const taken = (squatter.address() as net.AddressInfo).port;
  const r = await put({ health: `127.0.0.1:${taken}` });
  t.is(r.status, 500);
  t.regex((r.body as { detail: string }).detail, /EADDRINUSE/);
  t.deepEqual((await controlRequest({ socketPath: w.controlPath }, 'GET', '/config/settings')).status, 404);
});

test('readiness rules: kept processes must run, on-demand apps never hold readiness back', (t) => {
  const config = {
    applications: {
      one: {},
      fixed: { processes: 3 },
      spare: { processes: { max: 4, spare: 1 } },
      lazy: { processes: { max: 4 } },
    },
  };
  const running = (n: number, starting = 0) => ({ processes: { running: n, starting } });
  t.deepEqual(evaluateReadiness(config, { applications: { one: running(1), fixed: running(1), spare: running(1), lazy: running(0) } }), {
    ready: true,
    reasons: ['application "lazy" starts its processes on the first request'],
  });
  t.deepEqual(evaluateReadiness(config, { applications: { one: running(0, 1), fixed: running(2), spare: running(1), lazy: running(1) } }), {
    ready: false,
    reasons: ['application "one" has no running process (1 starting)'],
  });
  t.deepEqual(evaluateReadiness(config, { applications: {} }), {
    ready: false,
    reasons: [
      'application "one" is not running yet',
      'application "fixed" is not running yet',
      'application "spare" is not running yet',
      'application "lazy" starts its processes on the first request',
    ],
  });
  t.deepEqual(evaluateReadiness({}, {}), { ready: true, reasons: [] });
});
