// Router workers (--routers N): several router processes share the
// listeners a router accepts. Each must run the configuration in force on
// its own: a worker is made the only one that can accept by stopping the
// others (SIGSTOP), so every answer below comes from a known worker.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { control, put } from './helpers/control.js';
import { request } from './helpers/http.js';
import { startLoad } from './helpers/load.js';
import { scaled } from './helpers/machine.js';
import { parseMetrics, sampleValue } from './helpers/prometheus.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine, isAlive, waitFor } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const APP = `require('http').createServer((req, res) => res.end('app ' + process.env.NAME + ' ' + req.url)).listen(3000);\n`;

function routers(w: Weftd): number[] {
  return childrenOf(w.pid)
    .filter((c) => c.state !== 'Z' && commandLine(c.pid) === 'weft: router')
    .map((c) => c.pid)
    .sort((a, b) => a - b);
}

/** Runs `body` while only `worker` of the routers can accept; the others are stopped (and continued, even on failure). */
async function onlyThrough<T>(t: ExecutionContext, all: number[], worker: number, body: () => Promise<T>): Promise<T> {
  const others = all.filter((pid) => pid !== worker);
  const resume = (): void => {
    for (const pid of others) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
  };
  t.teardown(resume);
  for (const pid of others) process.kill(pid, 'SIGSTOP');
  let timer: NodeJS.Timeout | undefined;
  const limit = scaled(15000);
  try {
    // Requests through a worker that does not serve would wait for ever: fail instead.
    return await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer through router worker ${worker} in ${limit} ms`)), limit);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    resume();
  }
}

async function twoAppServer(t: ExecutionContext, extra: string[] = []): Promise<{ w: Weftd; port: number; log: string }> {
  const dir = tempDir(t, 'weft-routers-');
  fs.chmodSync(dir, 0o755);
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, APP);
  const port = await freePort();
  const log = path.join(dir, 'access.log');
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
      routes: [
        { match: { uri: '/a/*' }, action: { pass: 'applications/a' } },
        { match: { uri: '/b/*' }, action: { pass: 'applications/b' } },
        { action: { return: 301, location: '/v1' } },
      ],
      applications: {
        a: { type: 'node', script, environment: { NAME: 'a' } },
        b: { type: 'node', script, environment: { NAME: 'b' } },
      },
      access_log: { path: log, format: '$request_uri $status' },
    }),
  );
  const w = await startWeftd(t, { args: ['--config', config, '--routers', '2', ...extra] });
  return { w, port, log };
}

test('--routers 2: two router workers, each serving the configuration in force on its own, changes included', async (t) => {
  const { w, port, log } = await twoAppServer(t);
  const all = routers(w);
  t.is(all.length, 2, 'two processes titled "weft: router"');
  for (const worker of all) {
    await onlyThrough(t, all, worker, async () => {
      t.is((await request({ port }, '/a/x')).text, 'app a /a/x', `worker ${worker} passes to a`);
      t.is((await request({ port }, '/b/y')).text, 'app b /b/y', `worker ${worker} passes to b`);
      t.is((await request({ port }, '/')).headers.location, '/v1');
    });
  }
  // A change reaches every worker before it is answered.
  t.is((await put(w.controlPath, '/config/routes/2/action/location', '/v2')).status, 200);
  for (const worker of all) {
    await onlyThrough(t, all, worker, async () =>
      t.is((await request({ port }, '/')).headers.location, '/v2', `worker ${worker} runs the change`),
    );
  }
  // /status adds up what both counted; the access log has one line per request, from either worker.
  // (The app processes that took handed-over connections report their counts within 100 ms.)
  const total = async (): Promise<number> =>
    (JSON.parse((await request({ socketPath: w.controlPath }, '/status/requests')).text) as { total: number }).total;
  await waitFor(async () => (await total()) >= 8, 10000, '/status counting eight requests');
  t.is(await total(), 8);
  await waitFor(() => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length === 8, 10000, 'eight access log lines');
  t.deepEqual(
    fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(),
    ['/ 301', '/ 301', '/ 301', '/ 301', '/a/x 200', '/a/x 200', '/b/y 200', '/b/y 200'].sort(),
  );
  t.deepEqual(routers(w), all, 'no worker was replaced');
  // logrotate: SIGUSR1 makes every worker write to the new file.
  fs.renameSync(log, `${log}.1`);
  process.kill(w.pid, 'SIGUSR1');
  await waitFor(() => fs.existsSync(log), 10000, 'the access log opened again');
  for (const worker of all) {
    await onlyThrough(t, all, worker, async () => t.is((await request({ port }, `/a/${worker}`)).status, 200));
  }
  await waitFor(() => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length === 2, 10000, 'two lines in the new file');
  t.deepEqual(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), all.map((pid) => `/a/${pid} 200`).sort());
  // A graceful stop ends every worker.
  t.is((await w.stop()).code, 0);
  t.deepEqual(childrenOf(w.pid), []);
});

test('a change one worker cannot take is taken by none: the other keeps the old one, and both still serve', async (t) => {
  const { w, port } = await twoAppServer(t);
  const all = routers(w);
  // A listener whose port another program holds: refused, all or nothing.
  const taken = await freePort();
  const holder = (await import('node:net')).createServer().listen(taken, '127.0.0.1');
  t.teardown(() => void holder.close());
  await new Promise((r) => holder.once('listening', r));
  const answer = await control(w.controlPath, 'PUT', `/config/listeners/127.0.0.1:${taken}`, JSON.stringify({ pass: 'applications/a' }));
  t.is(answer.status, 500, answer.text);
  t.regex(answer.text, /EADDRINUSE/);
  for (const worker of all) {
    await onlyThrough(t, all, worker, async () =>
      t.is((await request({ port }, '/a/z')).text, 'app a /a/z', `worker ${worker} still serves`),
    );
  }
  t.deepEqual(routers(w), all);
});

test('kill -9 of one router worker: the other keeps serving new connections, and the replacement comes up with the configuration', async (t) => {
  const { w, port } = await twoAppServer(t);
  const all = routers(w);
  // Connection: close clients (Node's agent: false): each request is a new connection.
  const load = startLoad([{ group: 'routed', port, clients: 4, path: '/a/load' }], { requestTimeoutMs: 10000 });
  try {
    await waitFor(() => load.stats.ok >= 50, 20000, 'traffic before the kill');
    const before = load.snapshot();
    process.kill(all[0], 'SIGKILL');
    await waitFor(() => routers(w).length === 2 && !routers(w).includes(all[0]), 30000, 'a replacement worker');
    await waitFor(() => load.stats.ok >= before.ok + 100, 20000, 'traffic after the kill');
  } finally {
    await load.stop();
  }
  // Only requests the killed worker held can fail: at most one per client.
  t.true(load.stats.failed <= 4, JSON.stringify(load.stats.byKind));
  const now = routers(w);
  const fresh = now.find((pid) => !all.includes(pid))!;
  await onlyThrough(t, now, fresh, async () => {
    t.is((await request({ port }, '/b/fresh')).text, 'app b /b/fresh', 'the replacement passes to the apps');
    t.is((await request({ port }, '/')).headers.location, '/v1');
  });
  t.regex(w.log(), new RegExp(`process ${all[0]} exited on signal 9`));
});

test("--routers auto (the default): one worker while the apps accept every listener, one per CPU while a listener is the routers'; extras drain and are not restarted", async (t) => {
  const { availableParallelism } = await import('node:os');
  const cpus = Math.min(availableParallelism(), 16);
  if (cpus < 2) return t.pass('[skipped: one CPU, so auto means one worker whatever the configuration]');
  const dir = tempDir(t, 'weft-routers-');
  fs.chmodSync(dir, 0o755);
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, APP);
  const port = await freePort();
  const w = await startWeftd(t, { args: [] });
  t.is(routers(w).length, 1, 'an empty configuration: one worker');
  const apps = {
    a: { type: 'node', script, environment: { NAME: 'a' } },
    b: { type: 'node', script, environment: { NAME: 'b' } },
  };
  // One app's listener: its processes accept it.
  const own = { listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/a' } }, applications: apps };
  t.is((await put(w.controlPath, '/config', own)).status, 200);
  t.is((await request({ port }, '/x')).text, 'app a /x');
  t.is(routers(w).length, 1, 'the app accepts its listener: one worker');
  // Two apps behind one listener: the routers accept it, on every CPU.
  const routed = {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/b/*' }, action: { pass: 'applications/b' } }, { action: { pass: 'applications/a' } }],
    applications: apps,
  };
  t.is((await put(w.controlPath, '/config', routed)).status, 200);
  await waitFor(() => routers(w).length === cpus, scaled(20000), `${cpus} workers`);
  const all = routers(w);
  for (const worker of all) {
    await onlyThrough(t, all, worker, async () => t.is((await request({ port }, '/b/y')).text, 'app b /b/y', `worker ${worker} serves it`));
  }
  await w.waitForLog(new RegExp(`${cpus} router workers: a listener is the routers' own`));
  // Workers joining the configuration in force are no reload: the empty start, and the two PUTs.
  const metrics = parseMetrics((await request({ socketPath: w.controlPath }, '/metrics')).text, 'prometheus');
  t.is(sampleValue(metrics, 'weft_config_reloads_total', { result: 'success' }), 3);
  // Back to one app's listener: the newest workers drain and end for good.
  t.is((await put(w.controlPath, '/config', own)).status, 200);
  await waitFor(() => routers(w).length === 1, scaled(20000), 'one worker again');
  t.deepEqual(routers(w), [all[0]], 'the oldest stays');
  for (const pid of all.slice(1)) await w.waitForLog(new RegExp(`process ${pid} exited with code 0`));
  t.is((await request({ port }, '/y')).text, 'app a /y');
  // No replacement comes for them (a restart would have come within its backoff, under a second).
  await new Promise((r) => setTimeout(r, 1500));
  t.is(routers(w).length, 1);
  t.is((await w.stop()).code, 0);
});

test('--routers auto under load: workers come and go with the configuration and no request fails, files relayed by the app included', async (t) => {
  const { availableParallelism } = await import('node:os');
  const cpus = Math.min(availableParallelism(), 16);
  if (cpus < 2) return t.pass('[skipped: one CPU, so auto never adds a worker]');
  const dir = tempDir(t, 'weft-routers-');
  fs.chmodSync(dir, 0o755);
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, APP);
  fs.mkdirSync(path.join(dir, 'files'));
  fs.writeFileSync(path.join(dir, 'files', 'f.txt'), 'a file\n');
  const files = { match: { uri: '/files/*' }, action: { share: `${dir}$uri` } };
  const port = await freePort();
  const w = await startWeftd(t, { args: ['--routers', 'auto'] });
  const apps = {
    a: { type: 'node', script, environment: { NAME: 'a' } },
    b: { type: 'node', script, environment: { NAME: 'b' } },
  };
  // The app accepts, and relays each connection's file requests to a router worker (one of those that go, too).
  const own = {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [files, { action: { pass: 'applications/a' } }],
    applications: apps,
  };
  const routed = {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [files, { match: { uri: '/b/*' }, action: { pass: 'applications/b' } }, { action: { pass: 'applications/a' } }],
    applications: apps,
  };
  t.is((await put(w.controlPath, '/config', own)).status, 200);
  const load = startLoad(
    [
      { group: 'a', port, clients: 4, path: '/a/load' },
      { group: 'files', port, clients: 4, path: '/files/f.txt' },
    ],
    { requestTimeoutMs: 15000 },
  );
  try {
    for (const [config, count] of [
      [routed, cpus],
      [own, 1],
      [routed, cpus],
      [own, 1],
    ] as const) {
      const before = load.stats.ok;
      t.is((await put(w.controlPath, '/config', config)).status, 200);
      await waitFor(() => routers(w).length === count, scaled(20000), `${count} router workers`);
      await waitFor(() => load.stats.ok >= before + 100, scaled(20000), 'traffic after the change');
    }
  } finally {
    await load.stop();
  }
  t.is(load.stats.failed, 0, JSON.stringify(load.stats.byGroup));
  t.true(load.stats.ok > 200);
  t.is((await w.stop()).code, 0);
});

test('a worker that dies while a change is applied does not fail the change: the others take it, its replacement too', async (t) => {
  const { w, port } = await twoAppServer(t);
  const all = routers(w);
  // The newest worker follows the leader; stopped, it holds the change at its prepare.
  const follower = all[1];
  process.kill(follower, 'SIGSTOP');
  t.teardown(() => {
    if (isAlive(follower)) process.kill(follower, 'SIGCONT');
  });
  const change = put(w.controlPath, '/config/routes/2/action/location', '/v9');
  await new Promise((r) => setTimeout(r, 300));
  process.kill(follower, 'SIGKILL');
  const answer = await change;
  t.is(answer.status, 200, answer.text);
  await waitFor(() => routers(w).length === 2 && !routers(w).includes(follower), scaled(30000), 'a replacement worker');
  const now = routers(w);
  for (const worker of now) {
    await onlyThrough(t, now, worker, async () =>
      t.is((await request({ port }, '/')).headers.location, '/v9', `worker ${worker} runs the change`),
    );
  }
});
