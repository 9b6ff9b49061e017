// A listener the router accepts (it reaches two applications) hands each
// client connection to the application its first request is for: the
// application's process serves it from then on, as if it had accepted it,
// deciding every request again (a request for the other application on the
// same connection goes back through a router). What a user sees: the same
// answers as through the router, one access log line per request, and a
// router that dies costs none of those connections. Applications that run
// as different users never get each other's connections.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { census, findByTitle } from './helpers/census.js';
import { exchange } from './helpers/http.js';
import { startLoad } from './helpers/load.js';
import { waitFor } from './helpers/processes.js';
import { freePort } from './helpers/ports.js';
import { scaled, sleep } from './helpers/machine.js';
import { applyConfig } from './helpers/router.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'apps');

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** One keep-alive client connection: requests one at a time, answers read by Content-Length. */
class Client {
  readonly socket: net.Socket;
  #data = Buffer.alloc(0);
  #waiting: (() => void) | undefined;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#data = Buffer.concat([this.#data, d]);
      this.#waiting?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.#waiting?.();
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  async get(target: string): Promise<Answer> {
    this.socket.write(`GET ${target} HTTP/1.1\r\nHost: app.example\r\n\r\n`);
    const deadline = Date.now() + scaled(15000);
    for (;;) {
      const text = this.#data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        const headers = text.slice(0, end);
        const status = Number(headers.split(' ')[1]);
        if (/\r\ntransfer-encoding: *chunked/i.test(headers)) {
          const last = text.indexOf('\r\n0\r\n\r\n', end);
          if (last >= 0) {
            this.#data = this.#data.subarray(last + 7);
            return { status, headers, body: unchunk(text.slice(end + 4, last + 2)) };
          }
        } else {
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
          if (text.length >= end + 4 + length) {
            this.#data = this.#data.subarray(end + 4 + length);
            return { status, headers, body: text.slice(end + 4, end + 4 + length) };
          }
        }
      }
      if (this.closed) throw new Error(`the connection closed before the answer to ${target}`);
      if (Date.now() > deadline) throw new Error(`no answer to ${target}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The data of a chunked body (its chunks, without the last one). */
function unchunk(body: string): string {
  let out = '';
  for (let at = 0; at < body.length;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

function info(a: Answer): { pid: number; connection: number; requestOnConnection: number } {
  return JSON.parse(a.body) as { pid: number; connection: number; requestOnConnection: number };
}

function routerPid(w: Weftd): number | undefined {
  return findByTitle(census(w.pid), 'weft: router')?.pid;
}

function twoAppsConfig(port: number, log: string, otherUser?: string): unknown {
  return {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { arguments: { app: 'other' } }, action: { pass: 'applications/other' } },
      { match: { uri: '/gone' }, action: { return: 410 } },
      { action: { pass: 'applications/main' } },
    ],
    applications: {
      main: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 },
      other: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1, ...(otherUser ? { user: otherUser } : {}) },
    },
    access_log: log,
  };
}

async function twoApps(t: Parameters<typeof startWeftd>[0], otherUser?: string): Promise<{ w: Weftd; port: number; log: string }> {
  const port = await freePort();
  // One router worker: "the router" below is the only one.
  const w = await startWeftd(t, { args: ['--routers', '1'] });
  const log = path.join(w.dir, 'access.log');
  await applyConfig(w, twoAppsConfig(port, log, otherUser));
  return { w, port, log };
}

test('a connection goes to the app its first request is for; the router can die without it; each request is logged once', async (t) => {
  const { w, port, log } = await twoApps(t);
  const client = await Client.open(port);
  t.teardown(() => client.close());

  const first = await client.get('/info');
  t.is(first.status, 200);
  t.regex(first.headers, /\r\nServer: Weft\//i, "the engine's Server header, as through the router");
  const mainPid = info(first).pid;
  // The app process sees the client's own connection: one connection, counted requests.
  const second = info(await client.get('/info'));
  t.is(second.pid, mainPid);
  t.is(second.connection, info(first).connection, 'the same connection in the app');
  t.is(second.requestOnConnection, 2);

  // The other app's request on this connection: relayed to a router, answered by the other app.
  const other = await client.get('/info?app=other');
  t.is(other.status, 200);
  t.not(info(other).pid, mainPid, 'answered by the other application');
  // A return, decided in the app process, answered as the router would.
  t.is((await client.get('/gone')).status, 410);

  // kill -9 of the router: the connection is the app's, and lives on.
  const router = routerPid(w);
  t.truthy(router, 'a router runs');
  const mark = w.log().length;
  process.kill(router!, 'SIGKILL');
  await w.waitForLog(new RegExp(`process ${router} exited on signal 9`), scaled(15000), mark);
  const after = info(await client.get('/info'));
  t.is(after.pid, mainPid);
  t.is(after.connection, info(first).connection, 'still the same connection');
  t.false(client.closed);
  // Once a new router serves, the other app's requests on it go through that one.
  await waitFor(() => routerPid(w) !== undefined && routerPid(w) !== router, scaled(15000), 'a new router');
  let again: Answer | undefined;
  await waitFor(
    async () => {
      again = await client.get('/info?app=other');
      return again.status === 200;
    },
    scaled(15000),
    'the other app through the new router',
  );
  t.not(info(again!).pid, mainPid);

  // Every request once in the access log, whoever served it. (A line the
  // killed router had not written yet may be lost with it: the relayed
  // request before the kill is not counted.)
  const read = (): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const count = (lines: string[], text: string): number => lines.filter((l) => l.includes(text)).length;
  const complete = (lines: string[]): boolean =>
    count(lines, '"GET /info HTTP/1.1"') >= 3 &&
    count(lines, '"GET /gone HTTP/1.1"') >= 1 &&
    count(lines, '"GET /info?app=other HTTP/1.1" 200') >= 1;
  await waitFor(() => complete(read()), scaled(10000), 'the access log lines').catch(() => undefined);
  const lines = read();
  t.is(count(lines, '"GET /info HTTP/1.1"'), 3, lines.join('\n'));
  t.is(count(lines, '"GET /gone HTTP/1.1" 410'), 1, lines.join('\n'));
  t.true(count(lines, '"GET /info?app=other HTTP/1.1" 200') >= 1, lines.join('\n'));
});

test('connections whose first request is the other app go to it; files, returns and unknown heads stay with the router', async (t) => {
  const { port } = await twoApps(t);
  const a = await Client.open(port);
  const b = await Client.open(port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const mainPid = info(await a.get('/info')).pid;
  const otherPid = info(await b.get('/info?app=other')).pid;
  t.not(mainPid, otherPid);
  // b is the other app's connection now: its /info is relayed and answered by main.
  t.is(info(await b.get('/info')).pid, mainPid);
  t.is(info(await b.get('/info?app=other')).pid, otherPid);

  // A first request the router answers: the connection stays the router's, and its app requests are forwarded.
  const c = await Client.open(port);
  t.teardown(() => c.close());
  t.is((await c.get('/gone')).status, 410);
  t.is(info(await c.get('/info')).pid, mainPid);

  // A head that comes in two pieces: the router keeps it and answers the same.
  const d = net.connect(port, '127.0.0.1');
  t.teardown(() => d.destroy());
  const text = await new Promise<string>((resolve) => {
    let out = '';
    d.on('connect', () => {
      d.write('GET /info HTTP/1.1\r\nHo');
      setTimeout(() => d.write('st: app.example\r\nConnection: close\r\n\r\n'), 100);
    });
    d.on('data', (x: Buffer) => (out += x.toString('latin1')));
    d.on('close', () => resolve(out));
  });
  t.regex(text, /^HTTP\/1\.1 200 /);
  t.is(info({ status: 200, headers: '', body: unchunk(text.slice(text.indexOf('\r\n\r\n') + 4)) }).pid, mainPid);
});

test('applications that run as different users keep their connections apart: the router holds them', async (t) => {
  const { w, port } = await twoApps(t, 'daemon');
  const client = await Client.open(port);
  t.teardown(() => client.close());
  t.is((await client.get('/info')).status, 200);
  const router = routerPid(w);
  const mark = w.log().length;
  process.kill(router!, 'SIGKILL');
  await w.waitForLog(new RegExp(`process ${router} exited on signal 9`), scaled(15000), mark);
  // The router held the client connection: it went with it.
  await waitFor(() => client.closed, scaled(10000), 'the connection closed with its router');
  t.true(client.closed);
});

test("kill -9 of the router under keep-alive load on a two-app listener fails no request: the connections were the apps'", async (t) => {
  const { w, port } = await twoApps(t);
  const load = startLoad([
    { group: 'main', port, clients: 4, path: '/info' },
    { group: 'other', port, clients: 4, path: '/info?app=other' },
  ]);
  t.teardown(() =>
    load.stop().then(
      () => undefined,
      () => undefined,
    ),
  );
  // Every client has its connection (each handed over with its first request).
  await waitFor(() => load.stats.ok >= 200, scaled(20000), 'requests served');
  const router = routerPid(w);
  const mark = w.log().length;
  process.kill(router!, 'SIGKILL');
  await w.waitForLog(new RegExp(`process ${router} exited on signal 9`), scaled(15000), mark);
  const atKill = load.stats.ok;
  await waitFor(() => load.stats.ok >= atKill + 200, scaled(20000), 'requests served after the kill');
  const stats = await load.stop();
  t.is(stats.failed, 0, JSON.stringify(stats.byKind));
  t.true(stats.byGroup.main.ok > 0 && stats.byGroup.other.ok > 0);
  t.true(stats.maxSockets <= 8);
});

test('a change that stops the handoff on a listener leaves the connections already handed with their app, served as the listener says', async (t) => {
  const { w, port, log } = await twoApps(t);
  const client = await Client.open(port);
  t.teardown(() => client.close());
  const first = info(await client.get('/info'));
  // "other" now runs as another user: the router hands no more connections of this listener.
  await applyConfig(w, twoAppsConfig(port, log, 'daemon'));
  const next = info(await client.get('/info'));
  t.is(next.pid, first.pid);
  t.is(next.connection, first.connection, 'the same connection, still served by its app process');
  t.is((await client.get('/gone')).status, 410);
  const other = info(await client.get('/info?app=other'));
  t.not(other.pid, first.pid);
  // A new connection is the router's now: its first request is forwarded, not handed.
  const fresh = await Client.open(port);
  t.teardown(() => fresh.close());
  t.is(info(await fresh.get('/info')).pid, first.pid);
});

test("a connection silent past header_read_timeout gets the router's 408; one that speaks late is still served", async (t) => {
  const port = await freePort();
  const routed = await freePort();
  const w = await startWeftd(t);
  const config = twoAppsConfig(port, path.join(w.dir, 'access.log')) as { listeners: Record<string, unknown> };
  await applyConfig(w, {
    ...config,
    // A listener the router keeps every connection of (a pass it resolves per request), for comparison.
    listeners: { ...config.listeners, [`127.0.0.1:${routed}`]: { pass: 'applications/main$arg_weft_unused' } },
    settings: { http: { header_read_timeout: 2 } },
  });
  // Silent: 408 with Unit's page, and the connection closed, as on a listener the router keeps.
  const [silent, reference] = await Promise.all([
    exchange({ port }, '', { timeoutMs: scaled(20000) }),
    exchange({ port: routed }, '', { timeoutMs: scaled(20000) }),
  ]);
  t.is(silent.endedBy, 'server');
  t.regex(silent.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  const withoutDate = (text: string): string => text.replace(/\r\nDate: [^\r]*/, '');
  t.is(withoutDate(silent.text), withoutDate(reference.text));
  // Late, within the timeout: answered by the app.
  const late = await Client.open(port);
  t.teardown(() => late.close());
  await sleep(1000);
  t.is((await late.get('/info')).status, 200);
});
