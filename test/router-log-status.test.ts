// The access log's lines, /status counters, and reconfiguration under load.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { backend, raw, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import { waitFor } from './helpers/processes.js';
import { readLog, waitForFileText } from './helpers/weftd.js';
import { scaled } from './helpers/machine.js';

test('the access log: Unit\'s default line, a custom format, a JSON format, and "if"', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/redirect' }, action: { return: 302, location: '/there' } }, { action: { return: 404 } }],
  });
  const log = path.join(w.dir, 'access.log');
  await applyConfig(w, log, '/config/access_log');
  await raw(
    { port },
    'GET /redirect?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: tester/1.0\r\nReferer: http://ref/\r\nConnection: close\r\n\r\n',
  );
  await raw({ port }, 'GET /missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  await waitForFileText(log, /missing.*\n/);
  const lines = readLog(log).trim().split('\n');
  t.regex(
    lines[0],
    /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/redirect\?x=1 HTTP\/1\.1" 302 0 "http:\/\/ref\/" "tester\/1\.0"$/,
  );
  t.regex(lines[1], /^127\.0\.0\.1 - - \[.+\] "GET \/missing HTTP\/1\.1" 404 54 "-" "-"$/);

  await applyConfig(w, { path: log, format: '$method $uri $status $header_x_id', if: '$arg_log' }, '/config/access_log');
  await request({ port }, '/redirect?log=1', { headers: { 'X-Id': 'abc' } });
  await request({ port }, '/redirect?log=', {});
  await request({ port }, '/redirect', {});
  await waitForFileText(log, /GET \/redirect 302 abc\n/);
  t.is(
    readLog(log)
      .split('\n')
      .filter((l) => l.startsWith('GET ')).length,
    1,
    'only the request with a truthy $arg_log',
  );

  await applyConfig(w, { path: log, format: { uri: '$uri', status: '$status', agent: '$header_user_agent' } }, '/config/access_log');
  await request({ port }, '/json', { headers: { 'User-Agent': 'json "quoted"' } });
  await waitForFileText(log, /\{"uri":"\/json".*\n/);
  t.deepEqual(JSON.parse(readLog(log).trim().split('\n').pop()!), { uri: '/json', status: '404', agent: 'json "quoted"' });
});

for (const by of ['the router', 'an application process'] as const) {
  test(`SIGUSR1 reopens a rotated access log (written by ${by})`, async (t) => {
    const port = await freePort();
    const w = await startWithConfig(
      t,
      by === 'the router'
        ? { listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } }, routes: [{ action: { return: 204 } }] }
        : {
            listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
            applications: {
              hello: { type: 'node', script: path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps', 'hello.js') },
            },
          },
    );
    const log = path.join(w.dir, 'access.log');
    await applyConfig(w, log, '/config/access_log');
    await request({ port }, '/before');
    await waitForFileText(log, /\/before/);
    fs.renameSync(log, `${log}.1`);
    const mark = w.log().length;
    w.process.kill('SIGUSR1');
    await w.waitForLog(/the log was reopened/, 5000, mark);
    // The router asks main to reopen after the signal; lines reach the new
    // file once the new fd has arrived.
    await waitFor(() => fs.existsSync(log), 5000, 'the reopened access log');
    for (let i = 0, end = Date.now() + scaled(2000); Date.now() < end && !readLog(log).includes('/after'); i++) {
      await request({ port }, `/after-${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    t.regex(readLog(log), /\/after-\d+/);
    t.regex(fs.readFileSync(`${log}.1`, 'utf8'), /\/before/);
  });
}

test('/status counts connections and requests', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { return: 200 } }],
  });
  const status = async () =>
    (await controlRequest({ socketPath: w.controlPath }, 'GET', '/status')).body as {
      connections: { accepted: number; active: number; idle: number; closed: number };
      requests: { total: number };
    };
  const before = await status();
  t.deepEqual(before.connections, { accepted: 0, active: 0, idle: 0, closed: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) await request({ port }, '/', { agent });
  const open = await status();
  t.is(open.requests.total, 3);
  t.deepEqual(open.connections, { accepted: 1, active: 0, idle: 1, closed: 0 });
  agent.destroy();
  await raw({ port }, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  for (const end = Date.now() + scaled(2000); Date.now() < end;) {
    const s = await status();
    if (s.connections.closed === 2) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const after = await status();
  t.deepEqual(after.connections, { accepted: 2, active: 0, idle: 0, closed: 2 });
  t.is(after.requests.total, 4);
});

test('reconfiguration under load drops no request', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { return: 200, response_headers: { 'X-Generation': '0' } } }],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => agent.destroy());
  let stop = false;
  const failures: string[] = [];
  const generations = new Set<string>();
  let done = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await request({ port }, '/', { agent });
        if (r.status !== 200) failures.push(`status ${r.status}`);
        generations.add(String(r.headers['x-generation']));
        done++;
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 8 }, () => worker());
  for (let g = 1; g <= 20; g++) {
    await applyConfig(w, [{ action: { return: 200, response_headers: { 'X-Generation': String(g) } } }], '/config/routes');
  }
  stop = true;
  await Promise.all(workers);
  t.deepEqual(failures, []);
  t.true(done > 100, `only ${done} requests were made`);
  t.true(generations.size > 5, 'the requests saw many configurations');
});

/** A raw keep-alive connection: send a request, read until a text ends its answer. */
function connection(t: { teardown(fn: () => void): void }, port: number) {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.setEncoding('latin1');
  socket.on('error', () => undefined);
  let text = '';
  let waiting: { until: string; resolve: (s: string) => void } | undefined;
  const check = (): void => {
    if (waiting && text.includes(waiting.until)) {
      const answer = text;
      text = '';
      const { resolve } = waiting;
      waiting = undefined;
      resolve(answer);
    }
  };
  socket.on('data', (d: string) => {
    text += d;
    check();
  });
  let isClosed = false;
  // A connection closed without the answer gives what came (the test then fails, never hangs).
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      isClosed = true;
      waiting?.resolve(text);
      waiting = undefined;
      resolve();
    }),
  );
  return {
    closed,
    ask(request: string, until: string): Promise<string> {
      return new Promise((resolve) => {
        if (isClosed) {
          resolve(text);
          return;
        }
        waiting = { until, resolve };
        socket.write(request);
        check();
      });
    },
  };
}

test("a removed listener finishes requests in flight and answers 408 on its idle connections' next request", async (t) => {
  const removed = await freePort();
  const kept = await freePort();
  let arrived!: () => void;
  const slowArrived = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { port: upstream } = await backend(t, (_req, res) => {
    arrived();
    void released.then(() => res.end('finished'));
  });
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${removed}`]: { pass: 'routes' }, [`127.0.0.1:${kept}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/slow' }, action: { proxy: `http://127.0.0.1:${upstream}` } }, { action: { return: 204 } }],
  });
  const get = (uri: string): string => `GET ${uri} HTTP/1.1\r\nHost: h\r\n\r\n`;
  const idle = connection(t, removed);
  t.regex(await idle.ask(get('/'), '\r\n\r\n'), /^HTTP\/1\.1 204 /);
  const busy = connection(t, removed);
  const inFlight = busy.ask(get('/slow'), 'finished');
  await slowArrived;

  await applyConfig(w, { [`127.0.0.1:${kept}`]: { pass: 'routes' } }, '/config/listeners');
  release();
  t.regex(await inFlight, /^HTTP\/1\.1 200 [^]*\r\n\r\n(8\r\n)?finished/, 'the request in flight is finished');

  for (const c of [idle, busy]) {
    const answer = await c.ask(get('/'), 'Error 408.\r\n');
    t.regex(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    t.regex(answer, /\r\nConnection: close\r\n/i);
    t.true(answer.endsWith('\r\n\r\n<!DOCTYPE html><title>Error 408</title><p>Error 408.\r\n'));
    await c.closed;
  }
  t.is((await request({ port: kept }, '/')).status, 204, 'the other listener is untouched');
});

test("a removed listener that an application's own processes accepted: its idle connection gets the same 408", async (t) => {
  const removed = await freePort();
  const kept = await freePort();
  const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'apps');
  const w = await startWithConfig(t, {
    // Straight to the app: its processes accept this listener themselves.
    listeners: { [`127.0.0.1:${removed}`]: { pass: 'applications/plain' }, [`127.0.0.1:${kept}`]: { pass: 'applications/plain' } },
    applications: { plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
  });
  const idle = connection(t, removed);
  t.regex(await idle.ask('GET /info HTTP/1.1\r\nHost: h\r\n\r\n', '}'), /^HTTP\/1\.1 200 /);
  await applyConfig(w, { [`127.0.0.1:${kept}`]: { pass: 'applications/plain' } }, '/config/listeners');
  const answer = await idle.ask('GET /info HTTP/1.1\r\nHost: h\r\n\r\n', 'Error 408.\r\n');
  t.regex(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  t.regex(answer, /\r\nContent-Type: text\/html\r\n/i);
  t.true(answer.endsWith('\r\n\r\n<!DOCTYPE html><title>Error 408</title><p>Error 408.\r\n'));
  await idle.closed;
  t.is((await request({ port: kept }, '/info')).status, 200);
});
