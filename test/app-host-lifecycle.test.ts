// The host around the app: keep-alive over routed sockets, Weft's hooks and
// counters, stopping and draining, an app closing its own server, several
// servers in one app, https apps, and processes sharing a listening socket.
import net from 'node:net';

import test from 'ava';

import { request } from './helpers/http.js';
import { json, routedAgent, serve, startApp, tcpListener } from './fixtures/app-host/harness.js';
import { scaled } from './helpers/machine.js';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

test('keep-alive: several requests over one routed connection are one connection for the app', async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const agent = routedAgent(t, running);
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const answer = await request({ host: 'localhost' }, '/info', { agent });
    t.is(answer.headers.connection, 'keep-alive');
    seen.push(json(answer));
  }
  t.is(agent.connections, 1, 'the client opened one connection');
  t.deepEqual(
    seen.map((s) => [s.connection, s.requestOnConnection]),
    [
      [1, 1],
      [1, 2],
      [1, 3],
    ],
  );
});

test('pipelined requests on a routed connection are answered in order', async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const socket = running.connectRouted();
  t.teardown(() => socket.destroy());
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.write('POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirstGET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n');
  await until(async () => text.includes('not found'), 'both answers');
  const first = text.indexOf('HTTP/1.1 200 OK');
  const second = text.indexOf('HTTP/1.1 404 Not Found');
  t.true(first >= 0 && second > first, text);
  t.regex(text, /"body":"first"/);
});

test("Weft's Server header unless the app sends its own; hooks come before the app's handler; stats count requests", async (t) => {
  const running = await startApp(t, 'plain-http.js', { env: { WEFT_TEST_SERVER_HEADER: 'Weft/0.1.0' } });
  const client = await serve(t, running, 'direct');
  const first = await client.request('/info');
  t.is(first.headers.server, 'Weft/0.1.0');
  t.is(first.headers['x-weft-request'], '1');
  t.is(json(first).serverHeaderBeforeHandler, null, "as with Unit, the app does not see the router's header");
  for (const how of ['set', 'object', 'flat']) {
    const own = await client.request(`/own-server?how=${how}`);
    // Weft's would come first, and node keeps the first Server header of a response.
    t.is(own.headers.server, 'mine', how);
  }
  const other = await client.request('/own-server?how=none');
  t.is(other.status, 201);
  t.is(other.headers.server, 'Weft/0.1.0');
  t.is(other.headers['x-other'], 'yes');
  const second = await client.request('/nowhere');
  t.is(second.status, 404);
  t.is(second.headers['x-weft-request'], '6');
  t.deepEqual(await running.stats(), { active: 0, total: 6 });
});

test('stopAccepting with drain (direct): requests in flight finish, new connections are refused, drained follows', async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const client = await serve(t, running, 'direct');
  const held = client.request('/hold');
  await until(async () => (await running.stats()).active === 1, 'the request to be in flight');
  await running.stopAccepting({ drain: true });
  await t.throwsAsync(client.request('/info'), { code: 'ECONNREFUSED' });
  const drained = running.drained();
  let drainedEarly = false;
  void drained.then(() => (drainedEarly = true));
  await new Promise((r) => setTimeout(r, 200));
  t.false(drainedEarly, 'not drained while the request runs');
  running.child.kill('SIGUSR2');
  const answer = await held;
  t.is(answer.status, 200);
  t.is(answer.text, 'released');
  t.is(answer.headers.connection, 'close', 'a draining process closes connections after their response');
  t.deepEqual(await drained, { active: 0, total: 1 });
});

test('stopAccepting with drain (routed): idle keep-alive connections close; later ones are answered, then closed', async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const idle = running.connectRouted();
  idle.write('GET /info HTTP/1.1\r\nHost: a\r\n\r\n');
  await new Promise((r) => idle.once('data', r));
  await running.stopAccepting({ drain: true });
  await closed(idle);
  t.pass('the idle connection was closed');

  const late = running.connectRouted();
  let text = '';
  late.setEncoding('latin1');
  late.on('data', (d: string) => (text += d));
  late.write('GET /info HTTP/1.1\r\nHost: a\r\n\r\n');
  await closed(late);
  t.regex(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(text, /\r\nConnection: close\r\n/);
});

test('stopAccepting without drain, then new listening sockets: the old one is refused, the new one served', async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const before = await serve(t, running, 'direct');
  t.is((await before.request('/nowhere')).status, 404);
  await running.stopAccepting();
  await t.throwsAsync(before.request('/info'), { code: 'ECONNREFUSED' });
  const after = await serve(t, running, 'direct');
  const answer = await after.request('/info');
  t.is(answer.status, 200);
  const routed = await serve(t, running, 'routed');
  t.is((await routed.request('/info')).headers.connection, 'keep-alive', 'routed connections are still served, kept alive');
});

test("the app's server.close(): accepting stops, its callback gets no error, 'close' waits for connections", async (t) => {
  const running = await startApp(t, 'plain-http.js');
  const client = await serve(t, running, 'direct');
  const held = client.request('/hold');
  await until(async () => (await running.stats()).active === 1, 'the request to be in flight');
  t.like(json(await client.request('/connections')), { err: null, count: 2 }, 'getConnections() counts the injected connections');
  t.is((await client.request('/close')).text, 'closing');
  await t.throwsAsync(client.request('/info'), { code: 'ECONNREFUSED' }, 'the listening socket was closed with the server');
  await new Promise((r) => setTimeout(r, 100));
  t.notRegex(running.stdout, /server close event/, "no 'close' while a connection is open");
  running.child.kill('SIGUSR2');
  t.is((await held).text, 'released');
  await running.output(/server close event/);
  // The callback's line may come in a later read of the app's stdout than the event's.
  await running.output(/close callback: /);
  t.regex(running.stdout, /close callback: no error/);
  t.true(running.logs('notice').some((l) => /the app closed its server/.test(l.message)));
  await t.throwsAsync(running.listenOn(tcpListener(t).fd), { message: /the app closed its server/ });
});

test('only the first HTTP server gets traffic; a second one is warned about; other net servers bind for real', async (t) => {
  const running = await startApp(t, 'two-servers.js');
  const client = await serve(t, running, 'direct');
  t.is((await client.request('/')).text, 'first');
  await running.output(/raw listening \d+/);
  await running.output(/again listening/);
  t.regex(running.stdout, /first listening {"address":"127\.0\.0\.1","family":"IPv4","port":3000}/);
  t.regex(running.stdout, /second listening {"address":"::","family":"IPv6","port":3001}/);
  t.regex(running.stdout, /again listening {"address":"::1","family":"IPv6","port":3000}/);
  t.deepEqual(
    running.logs('warn').map((l) => l.message),
    [
      'the app listens with a second HTTP server on port 3001: Weft serves only its first server (port 3000 on 127.0.0.1), so this one gets no traffic',
    ],
  );
  t.true(
    running
      .logs('info')
      .some((l) => l.message === 'the app also listens on port 3000 on ::1: another address of its server, served through the first'),
  );

  const rawPort = Number(/raw listening (\d+)/.exec(running.stdout)![1]);
  const raw = await new Promise<string>((resolve, reject) => {
    let text = '';
    net
      .connect(rawPort, '127.0.0.1')
      .on('data', (d) => (text += d))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
  t.is(raw, 'raw tcp\n', 'a plain net.Server is not captured');
});

test('an https server gets plain HTTP (TLS ends in the router), with a warning', async (t) => {
  const running = await startApp(t, 'https-app.js');
  await running.output(/https listening/);
  t.regex(running.stdout, /https listening {"address":"::","family":"IPv6","port":8443}/);
  for (const mode of ['direct', 'routed'] as const) {
    const client = await serve(t, running, mode);
    t.deepEqual(json(await client.request('/secure')), { encrypted: false, url: '/secure' });
  }
  t.true(running.logs('warn').some((l) => /https\.Server: Weft ends TLS in its router/.test(l.message)));
});

test('two app processes accept on one listening socket; when one stops, the other takes every connection', async (t) => {
  const [a, b] = await Promise.all([startApp(t, 'plain-http.js'), startApp(t, 'plain-http.js')]);
  const listener = tcpListener(t);
  await a.listenOn(listener.fd);
  await b.listenOn(listener.fd);
  listener.close();
  const pidOf = async (): Promise<number> => json(await request({ port: listener.port }, '/info')).pid as number;
  const pids = new Set([a.child.pid, b.child.pid]);
  for (let i = 0; i < 20; i++) t.true(pids.has(await pidOf()));

  await a.stopAccepting();
  const after = new Set<number>();
  for (let i = 0; i < 20; i++) after.add(await pidOf());
  t.deepEqual([...after], [b.child.pid]);
  t.is((await a.drained()).active, 0);
});
