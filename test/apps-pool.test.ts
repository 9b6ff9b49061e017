// Applications in real weftd: unmodified Node apps served in direct and
// routed mode, the process pool in every "processes" form, limits, crashes,
// graceful restarts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { raw, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine, waitFor } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import type { Weftd } from './helpers/weftd.js';
import { scaled } from './helpers/machine.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');

function titles(w: Weftd): string[] {
  const out: string[] = [];
  const walk = (pid: number): void => {
    for (const c of childrenOf(pid)) {
      const title = c.state === 'Z' ? '' : commandLine(c.pid);
      if (title === '') continue;
      out.push(title);
      walk(c.pid);
    }
  };
  walk(w.pid);
  return out.sort();
}

async function status(
  w: Weftd,
  app: string,
): Promise<{ processes: { running: number; starting: number; idle: number }; requests: { active: number } }> {
  const r = await controlRequest({ socketPath: w.controlPath }, 'GET', `/status/applications/${app}`);
  return r.body as never;
}

// Through a pass the router can only resolve per request (its variable is
// empty, so it always leads to the app): the router stays in the path. A
// listener that can reach only one application is accepted by that
// application's processes themselves.
const routed = (port: number, app: string) => ({
  listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
  routes: [{ match: { uri: '*' }, action: { pass: `applications/${app}$arg_weft_unused` } }],
});

/** The pid that accepted a new connection to `port` (it holds the connection's server end). */
async function acceptedBy(port: number): Promise<number | undefined> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.once('data', () => resolve());
    });
    const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} and dport = :${socket.localPort} )`], {
      encoding: 'utf8',
    });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } finally {
    socket.destroy();
  }
}

/** Pids of the processes holding the listening socket on `port`. */
function listeningPids(port: number): number[] {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

test('an unmodified app in direct mode: its listen() is served on the listener', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
    applications: { hello: { type: 'node', script: path.join(apps, 'hello.js'), processes: 1 } },
  });
  const r = await request({ port }, '/');
  t.is(r.status, 200);
  t.is(r.text, 'hello world');
  t.regex(String(r.headers.server), /^Weft\//);
  const ps = titles(w);
  // No isolation: main starts its process itself, no prototype in between.
  t.false(ps.includes('weft: "hello" prototype'), ps.join('\n'));
  t.true(ps.includes('weft: "hello" application'), ps.join('\n'));
  t.regex(w.log(), /"hello" application: the app listens on port \d+/);
});

test('a listener that can reach one application is accepted by its processes, routes and all; one that can reach two stays with the router', async (t) => {
  const single = await freePort();
  const several = await freePort();
  const w = await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${single}`]: { pass: 'routes/main' },
      [`127.0.0.1:${several}`]: { pass: 'routes/both' },
    },
    routes: {
      main: [
        { match: { uri: '/x/*' }, action: { pass: 'routes/next' } },
        { match: { uri: '/r' }, action: { return: 204 } },
      ],
      next: [{ action: { pass: 'applications/probe' } }],
      both: [
        { match: { uri: '/x/*' }, action: { pass: 'applications/probe' } },
        { match: { uri: '/y/*' }, action: { pass: 'applications/other' } },
      ],
    },
    applications: {
      probe: { type: 'node', script: path.join(apps, 'probe.js'), processes: 1 },
      other: { type: 'node', script: path.join(apps, 'hello.js'), processes: 1 },
    },
  });
  t.is((await request({ port: single }, '/x/y')).status, 200);
  t.is((await request({ port: single }, '/r')).status, 204);
  t.is((await request({ port: single }, '/elsewhere')).status, 404);
  t.is((await request({ port: several }, '/x/y')).status, 200);
  t.is((await request({ port: several }, '/y/z')).status, 200);
  const app = Number(JSON.parse((await request({ port: single }, '/x/')).text).pid);
  const router = [...childrenOf(w.pid)].find((c) => commandLine(c.pid) === 'weft: router')!.pid;
  // The router holds both sockets (it hands them over, and stands by).
  t.true(listeningPids(single).includes(app), 'the app process accepts on the single-app listener');
  t.false(listeningPids(several).includes(app), 'the two-app listener stays with the router');
  t.true(listeningPids(several).includes(router));
});

test('direct mode: /status counts the connections and requests the app processes took themselves', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
    applications: { hello: { type: 'node', script: path.join(apps, 'hello.js'), processes: 2 } },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 3; i++) t.is((await request({ port }, '/', { agent })).status, 200);
  t.is((await request({ port }, '/')).status, 200);
  const get = async (): Promise<{ connections: Record<string, number>; requests: { total: number } }> =>
    (await controlRequest({ socketPath: w.controlPath }, 'GET', '/status')).body as never;
  // Reports come a few times a second.
  let s = await get();
  for (const end = Date.now() + scaled(5000); Date.now() < end && !(s.requests.total === 4 && s.connections.closed === 1);) {
    await new Promise((r) => setTimeout(r, 50));
    s = await get();
  }
  t.deepEqual(s.connections, { accepted: 2, active: 0, idle: 1, closed: 1 });
  t.is(s.requests.total, 4);
  agent.destroy();
  for (const end = Date.now() + scaled(5000); Date.now() < end && s.connections.closed !== 2;) {
    await new Promise((r) => setTimeout(r, 50));
    s = await get();
  }
  t.deepEqual(s.connections, { accepted: 2, active: 0, idle: 0, closed: 2 });
});

test('direct mode applies settings.http: max_body_size (declared and chunked), idle_timeout', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/probe' } },
    applications: { probe: { type: 'node', script: path.join(apps, 'probe.js') } },
    settings: { http: { max_body_size: 100, idle_timeout: 1 } },
  });
  t.is((await request({ port }, '/echo', { method: 'POST', body: 'x'.repeat(100) })).text, 'x'.repeat(100));
  const declared = await request({ port }, '/echo', { method: 'POST', body: 'x'.repeat(101) });
  t.is(declared.status, 413);
  t.is(declared.headers.connection, 'close');
  t.is(declared.text, '<!DOCTYPE html><title>Error 413</title><p>Error 413.\r\n');
  const head = 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  const small = await raw({ port }, `${head}32\r\n${'y'.repeat(50)}\r\n0\r\n\r\n`, { untilText: 'y'.repeat(50) });
  t.regex(small, /^HTTP\/1\.1 200 /);
  const chunked = await raw({ port }, `${head}64\r\n${'z'.repeat(100)}\r\n64\r\n${'z'.repeat(100)}\r\n0\r\n\r\n`);
  t.regex(chunked, /^HTTP\/1\.1 413 /, 'a chunked body that grows past the limit');
  // idle_timeout: the server's keep-alive timeout, which Node announces.
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  t.is((await request({ port }, '/', { agent })).headers['keep-alive'], 'timeout=1');
  t.regex(w.log(), /"probe" application/);
});

test('with an access log, a listener its application accepts logs each request once, from whichever process answered it', async (t) => {
  const port = await freePort();
  const log = path.join(tempDir(t), 'access.log');
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: '/files/*' }, action: { share: `${apps}$uri` } },
      { match: { uri: '/gone' }, action: { return: 410 } },
      { action: { pass: 'applications/hello' } },
    ],
    applications: { hello: { type: 'node', script: path.join(apps, 'hello.js') } },
    access_log: log,
  });
  // One keep-alive connection: the app's own request, a return the app process answers,
  // a file the router serves (handed over by the app process), and the app again.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.is((await request({ port }, '/logged?x=1', { agent })).status, 200);
  t.is((await request({ port }, '/gone', { agent })).status, 410);
  t.is((await request({ port }, '/files/nope', { agent })).status, 404);
  t.is((await request({ port }, '/again', { agent })).status, 200);
  const text = (): string => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
  await waitFor(() => text().split('\n').length === 5, 5000, 'four access log lines').catch(() => undefined);
  const lines = text().split('\n').filter(Boolean).sort();
  t.is(lines.length, 4, text());
  t.regex(
    lines.find((l) => l.includes('/logged'))!,
    /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/logged\?x=1 HTTP\/1\.1" 200 11 "-" "-"$/,
  );
  t.regex(
    lines.find((l) => l.includes('/gone'))!,
    /"GET \/gone HTTP\/1\.1" 410 /,
  );
  t.regex(
    lines.find((l) => l.includes('/files/nope'))!,
    /^127\.0\.0\.1 .*"GET \/files\/nope HTTP\/1\.1" 404 /,
  );
  t.regex(
    lines.find((l) => l.includes('/again'))!,
    /"GET \/again HTTP\/1\.1" 200 /,
  );
});

test("routed mode: requests through routes reach the app with the client's address", async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    ...routed(port, 'probe'),
    applications: {
      probe: {
        type: 'node',
        script: path.join(apps, 'probe.js'),
        arguments: ['--flag', 'x'],
        environment: { GREETING: 'hi' },
        working_directory: apps,
      },
    },
  });
  const r = await request({ port }, '/');
  t.is(r.status, 200);
  const seen = JSON.parse(r.text);
  t.is(seen.remote, '127.0.0.1');
  t.deepEqual(seen.argv, ['--flag', 'x']);
  t.is(seen.env.GREETING, 'hi');
  t.is(seen.env.WEFT_APP, null, "Weft's internals are not in the app's environment");
  t.is(seen.cwd, apps);
  t.is(seen.uid, 65534, 'apps run as --user (nobody) by default');
  t.is(seen.title, 'weft: "probe" application');
  const echo = await request({ port }, '/echo', { method: 'POST', body: 'x'.repeat(200000) });
  t.is(echo.text.length, 200000);
});

test('processes: N keeps N processes', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    ...routed(port, 'p'),
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 3 } },
  });
  // The configuration is in force once the first process serves; the rest of the pool follows.
  await waitFor(() => titles(w).filter((x) => x === 'weft: "p" application').length === 3, 15000, 'three processes');
  await waitFor(async () => (await status(w, 'p')).processes.running === 3, 15000, 'three running');
  t.deepEqual((await status(w, 'p')).processes, { running: 3, starting: 0, idle: 3 });
});

test('processes {max, spare, idle_timeout}: spare at start, growth under load, shrink when idle', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    ...routed(port, 'p'),
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: { max: 3, spare: 1, idle_timeout: 1 } } },
  });
  t.is((await status(w, 'p')).processes.running, 1);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  t.teardown(() => agent.destroy());
  const slow = Array.from({ length: 6 }, () => request({ port }, '/slow?ms=1500', { agent }));
  await waitFor(() => titles(w).filter((x) => x === 'weft: "p" application').length === 3, 15000, 'three processes');
  // On a busy machine the new processes can come up after the first one has
  // served every slow request; requests sent once all three are ready must
  // still be spread over them (whatever the clock said).
  for (const end = Date.now() + scaled(15000); Date.now() < end && (await status(w, 'p')).processes.running < 3;) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const more = Array.from({ length: 3 }, () => request({ port }, '/slow?ms=300', { agent }));
  const answers = [...(await Promise.all(slow)), ...(await Promise.all(more))];
  t.true(answers.every((a) => a.status === 200));
  t.true(new Set(answers.map((a) => a.text)).size >= 2, 'the load was spread over the new processes');
  await waitFor(() => titles(w).filter((x) => x === 'weft: "p" application').length === 1, 15000, 'back to one process');
  t.deepEqual((await status(w, 'p')).processes, { running: 1, starting: 0, idle: 1 });
});

test('limits.timeout: a hung request gets 503 and its worker is replaced', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    ...routed(port, 'p'),
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 1, limits: { timeout: 1 } } },
  });
  const before = JSON.parse((await request({ port }, '/')).text).pid;
  const hung = await request({ port }, '/spin');
  t.is(hung.status, 503);
  await w.waitForLog(/did not answer within 1 s; stopping it/);
  await w.waitForLog(/process \d+ exited on signal SIG(TERM|KILL)/);
  const after = JSON.parse((await request({ port }, '/')).text).pid;
  t.not(after, before, 'a new worker serves');
});

test('a crashing worker: its request gets 502, the others are unaffected, and it is replaced', async (t) => {
  const port = await freePort();
  // One router worker: two workers each pick an idle process on their own view, and may pick the same one.
  const w = await startWithConfig(
    t,
    { ...routed(port, 'p'), applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 2 } } },
    { args: ['--routers', '1'] },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => agent.destroy());
  const slow = request({ port }, '/slow?ms=800', { agent });
  const crash = await request({ port }, '/crash', { agent });
  t.is(crash.status, 502);
  t.is((await slow).status, 200, 'the request on the other worker finished');
  await w.waitForLog(/application "p" process \d+ exited with code 3/);
  await waitFor(() => titles(w).filter((x) => x === 'weft: "p" application').length === 2, 15000, 'a replacement');
  t.is((await request({ port }, '/')).status, 200);
});

test('a crash loop backs off', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    ...routed(port, 'p'),
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 1 } },
  });
  for (let i = 0; i < 4; i++) {
    await waitFor(() => titles(w).includes('weft: "p" application'), 30000, 'a worker');
    await request({ port }, '/crash').catch(() => undefined);
  }
  const m = await w.waitForLog(/keeps crashing; next start in (\d+) ms/);
  t.true(Number(m[1]) >= 200);
});

for (const mode of ['routed', 'direct'] as const) {
  test(`limits.requests recycles a worker without failing a request (${mode}, keep-alive client)`, async (t) => {
    const port = await freePort();
    await startWithConfig(t, {
      ...(mode === 'routed' ? routed(port, 'p') : { listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } } }),
      applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 1, limits: { requests: 3 } } },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    t.teardown(() => agent.destroy());
    const pids: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await request({ port }, '/', { agent });
      t.is(r.status, 200);
      pids.push(JSON.parse(r.text).pid);
    }
    t.true(new Set(pids).size >= 3, `pids: ${pids.join(' ')}`);
  });
}

for (const mode of ['routed', 'direct'] as const) {
  test(`restart under load (${mode}): a new generation, zero failed requests`, async (t) => {
    const port = await freePort();
    const w = await startWithConfig(t, {
      ...(mode === 'routed' ? routed(port, 'p') : { listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } } }),
      applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 2 } },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    t.teardown(() => agent.destroy());
    let stop = false;
    const failures: string[] = [];
    const pids = new Set<number>();
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const r = await request({ port }, '/slow?ms=20', { agent });
          if (r.status !== 200) failures.push(`status ${r.status}`);
          else pids.add(Number(r.text.split(' ')[1]));
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const workers = Array.from({ length: 6 }, () => worker());
    await new Promise((r) => setTimeout(r, 300));
    const before = new Set(pids);
    const restart = await controlRequest({ socketPath: w.controlPath }, 'GET', '/control/applications/p/restart');
    t.deepEqual(restart.body, { success: 'Ok' });
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(workers);
    t.deepEqual(failures, []);
    t.true(
      [...pids].some((p) => !before.has(p)),
      'the new generation served',
    );
  });
}

test('an app that fails to start: the configuration is refused with its reason', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, { listeners: {}, applications: {} });
  const r = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      ...routed(port, 'bad'),
      applications: { bad: { type: 'node', script: path.join(apps, 'fails-at-start.js'), processes: 1 } },
    }),
  );
  t.is(r.status, 500);
  t.is((r.body as { error: string }).error, 'Failed to apply new configuration.');
  t.regex(
    (r.body as { detail: string }).detail,
    /^application "bad" failed to start: the app ".*fails-at-start\.js" threw while starting: Error: the database is not reachable \(fixture\) \(at .*fails-at-start\.js:2\)$/,
  );
});

test('stdout and stderr: to their files when configured; to the Weft log otherwise under --no-daemon', async (t) => {
  const port = await freePort();
  const dir = tempDir(t);
  const out = path.join(dir, 'out.log');
  const err = path.join(dir, 'err.log');
  const w = await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${port}`]: { pass: 'routes' },
    },
    routes: [{ match: { uri: '/files' }, action: { pass: 'applications/files' } }, { action: { pass: 'applications/log' } }],
    applications: {
      files: { type: 'node', script: path.join(apps, 'chatty.js'), stdout: out, stderr: err },
      log: { type: 'node', script: path.join(apps, 'chatty.js') },
    },
  });
  t.is((await request({ port }, '/files')).text, 'said');
  t.is((await request({ port }, '/to-log')).text, 'said');
  const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  await waitFor(() => read(out).includes('stdout: /files') && read(err).includes('stderr: /files'), 5000, 'the files').catch(
    () => undefined,
  );
  t.regex(read(out), /chatty says hello on stdout[\s\S]*stdout: \/files\n/);
  t.regex(read(err), /chatty says hello on stderr[\s\S]*stderr: \/files\n/);
  t.notRegex(read(out), /stderr/);
  await w.waitForLog(/stdout: \/to-log/, 5000).catch(() => undefined);
  t.regex(w.log(), /^stdout: \/to-log$/m);
  t.regex(w.log(), /^stderr: \/to-log$/m);
  t.notRegex(w.log(), /\/files/, "the files app's output went to its files only");
});

test('unknown types and bad members are refused by the controller with details', async (t) => {
  const w = await startWithConfig(t, { listeners: {}, applications: {} });
  const unknown = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config/applications',
    JSON.stringify({ x: { type: 'ruby', script: 'a.rb' } }),
  );
  t.is(unknown.status, 400);
  t.regex((unknown.body as { detail: string }).detail, /external.*node|node.*external/);
  const bad = await controlRequest({ socketPath: w.controlPath }, 'PUT', '/config/applications', JSON.stringify({ x: { type: 'node' } }));
  t.is(bad.status, 400);
  t.regex((bad.body as { detail: string }).detail, /"script"/);
});

test('limits.start_timeout: an app that never listens fails the configuration after that long, saying so', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {});
  const r = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/n' } },
      applications: { n: { type: 'node', script: path.join(apps, 'never-listens.js'), limits: { start_timeout: 1 } } },
    }),
  );
  t.is(r.status, 500);
  t.regex(String((r.body as { detail: string }).detail), /application "n" did not listen within 1 s/);
  // Nothing of it is left: no prototype, no process.
  await waitFor(() => !titles(w).some((x) => x.includes('"n"')), 15000, 'its processes gone');
  t.deepEqual((await controlRequest({ socketPath: w.controlPath }, 'GET', '/config')).body, {}, 'the old configuration stays');
});

test('starts are paced: however many requests wait, at most max(spare, 1) processes of an app start at once', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    ...routed(port, 'p'),
    applications: {
      p: { type: 'node', script: path.join(apps, 'paced.js'), environment: { START_DELAY_MS: '600' }, processes: { max: 6, spare: 0 } },
    },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 30 });
  t.teardown(() => agent.destroy());
  const answers = Array.from({ length: 30 }, () => request({ port }, '/?ms=300', { agent }));
  let maxStarting = 0;
  let done = false;
  void Promise.all(answers).finally(() => (done = true));
  while (!done) {
    const s = await status(w, 'p');
    maxStarting = Math.max(maxStarting, s.processes.starting);
    await new Promise((r) => setTimeout(r, 30));
  }
  t.true((await Promise.all(answers)).every((a) => a.status === 200));
  t.is(maxStarting, 1, 'one process of the app started at a time');
  const count = titles(w).filter((x) => x === 'weft: "p" application').length;
  t.true(count >= 2 && count <= 6, `the pool grew within its max (${count})`);
});

for (const mode of ['routed', 'direct'] as const) {
  test(`a crash-looping app answers 503 at once while it backs off, with the cause in the log (${mode})`, async (t) => {
    const port = await freePort();
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o755); // the app runs as nobody
    const failFile = path.join(dir, 'fail');
    const w = await startWithConfig(t, {
      ...(mode === 'routed' ? routed(port, 'p') : { listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } } }),
      applications: { p: { type: 'node', script: path.join(apps, 'paced.js'), environment: { FAIL_FILE: failFile }, processes: 1 } },
    });
    t.is((await request({ port }, '/')).status, 200);
    fs.writeFileSync(failFile, '');
    await request({ port }, '/crash').catch(() => undefined);
    await w.waitForLog(/application "p" failed to start: .*exited with code 4/);
    // While it cannot start, requests are refused at once instead of waiting for a process
    // (in direct mode the router stands in for the app's missing processes).
    const r = await request({ port }, '/');
    t.is(r.status, 503);
    fs.rmSync(failFile);
    await waitFor(async () => (await request({ port }, '/').catch(() => ({ status: 0 }))).status === 200, 30000, 'the app serving again');
  });
}

test('an application that scales to zero behind its own listener: the router stands in while it has no process', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } },
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: { max: 2, spare: 0, idle_timeout: 1 } } },
  });
  const router = [...childrenOf(w.pid)].find((c) => commandLine(c.pid) === 'weft: router')!.pid;
  t.false(titles(w).includes('weft: "p" application'), 'no process at first');
  // The router accepts, a process starts on demand and answers.
  const first = await request({ port }, '/');
  t.is(first.status, 200);
  const pid = Number(JSON.parse(first.text).pid);
  await waitFor(async () => (await acceptedBy(port)) === pid, 10000, 'the process accepting itself');
  // Idle, it goes; the router stands in again, and the next request starts another.
  await waitFor(() => !titles(w).includes('weft: "p" application'), 15000, 'the idle process gone');
  await waitFor(async () => (await acceptedBy(port)) === router, 10000, 'the router standing in');
  t.is((await request({ port }, '/')).status, 200);
});

test('limits.timeout where the app process accepts itself: a handler stuck in while(true) and one that never answers both get 503, and the process is replaced', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/p' } },
    applications: { p: { type: 'node', script: path.join(apps, 'probe.js'), processes: 1, limits: { timeout: 1 } } },
  });
  const first = JSON.parse((await request({ port }, '/')).text).pid;
  // A blocked event loop: the watchdog thread answers and ends the process.
  const spin = await request({ port }, '/spin');
  t.is(spin.status, 503);
  t.regex(spin.text, /Error 503/);
  await w.waitForLog(/application "p" process \d+ exited with code 75 \(it held a request past limits\.timeout\)/);
  await waitFor(async () => (await request({ port }, '/').catch(() => ({ status: 0 }))).status === 200, 30000, 'a new process');
  const second = JSON.parse((await request({ port }, '/')).text).pid;
  t.not(second, first);
  // A handler that never answers: the loop runs, answers 503 itself, and main replaces the process.
  const hang = await request({ port }, '/hang');
  t.is(hang.status, 503);
  await w.waitForLog(new RegExp(`application "p" process ${second} exited .*\\(it held a request past limits\\.timeout\\)`));
  await waitFor(
    async () => {
      const r = await request({ port }, '/').catch(() => undefined);
      return r?.status === 200 && JSON.parse(r.text).pid !== second;
    },
    30000,
    'a third process',
  );
});
