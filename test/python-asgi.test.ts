// The Python runtime serving ASGI apps (3.0 and 2.0): http streaming both
// ways and http.disconnect, websocket with a real client (the ws package),
// lifespan and its state, through Weft's frames (a stand-in router) and
// HTTP/1.1 on adopted connections.
import http from 'node:http';

import test from 'ava';
import WebSocket from 'ws';

import { raw, request } from './helpers/http.js';
import { framesRouter } from './helpers/frames-router.js';
import { startPython } from './helpers/python-app.js';

async function asgi(t: Parameters<typeof startPython>[0], config: Record<string, unknown> = {}) {
  const app = await startPython(t, { config: { module: 'asgi_app', callable: 'app', ...config } });
  await app.ready;
  const router = await framesRouter(t, app);
  return { app, port: router.port, router };
}

function openSocket(url: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode, res })),
    );
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })));
}

test('the http scope: every member, root_path from prefix, state from lifespan', async (t) => {
  const { port } = await asgi(t, { prefix: '/api' });
  const r = await request({ port }, '/api/scope/caf%C3%A9?x=1%202', { headers: { 'X-One': 'a' } });
  t.is(r.status, 200);
  const scope = JSON.parse(r.text) as Record<string, unknown>;
  t.is(scope.type, 'http');
  t.deepEqual(scope.asgi, { version: '3.0', spec_version: '2.3' });
  t.is(scope.http_version, '1.1');
  t.is(scope.method, 'GET');
  t.is(scope.scheme, 'http');
  t.is(scope.root_path, '/api');
  t.is(scope.path, '/scope/café');
  t.is(scope.raw_path, '/api/scope/caf%C3%A9');
  t.is(scope.query_string, 'x=1%202');
  t.deepEqual(scope.client, ['127.0.0.1', (scope.client as [string, number])[1]]);
  t.deepEqual(scope.server, ['127.0.0.1', port]);
  t.deepEqual(
    (scope.headers as string[][]).find(([n]) => n === 'x-one'),
    ['x-one', 'a'],
  );
  t.true((scope.headers as string[][]).every(([n]) => n === n.toLowerCase()));
  t.deepEqual(scope.state, { started: 'yes' });
});

test('bodies stream both ways; http.disconnect when the client leaves', async (t) => {
  const { app, port, router } = await asgi(t);
  const echo = await request({ port }, '/echo', { method: 'POST', body: 'x'.repeat(300000) });
  t.is((JSON.parse(echo.text) as { body: string }).body.length, 300000);
  const chunked = await raw(
    { port },
    'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
  );
  t.regex(chunked, /\{"body": "abcde"\}$/);
  const stream = await raw({ port }, 'GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.regex(stream, /Transfer-Encoding: chunked/);
  t.regex(stream, /one [\s\S]*two [\s\S]*three/);
  // A client that goes away while the app waits: the app's receive() says http.disconnect.
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: '/wait-disconnect', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no first chunk')), 20000).unref();
  });
  await app.until(() => app.stdout.includes('saw http.disconnect'), 'the app to see http.disconnect');
  // The app's answer ends with an ABORT frame: the connection goes back to the pool, no noise in the log.
  await app.until(() => router.idle() >= 1, 'the connection back in the pool');
  t.notRegex(app.log, /without completing/);
  t.deepEqual(JSON.parse((await request({ port }, '/events')).text), ['startup', 'disconnected']);
});

test('8 MiB up and down, streamed with bounded memory', async (t) => {
  const { port } = await asgi(t);
  const baseline = (JSON.parse((await request({ port }, '/rss')).text) as { rss_kib: number }).rss_kib;
  const up = JSON.parse((await request({ port }, '/upload', { method: 'POST', body: Buffer.alloc(8 << 20, 7) })).text) as {
    bytes: number;
    rss_kib: number;
  };
  t.is(up.bytes, 8 << 20);
  t.true(up.rss_kib - baseline < 4096, `RSS grew by ${up.rss_kib - baseline} KiB`);
  const down = await request({ port }, '/download?size=65536&chunks=128');
  t.is(down.body.length, 128 * 65536);
  t.is(down.body[65536 * 3], 68);
  const after = (JSON.parse((await request({ port }, '/rss')).text) as { rss_kib: number }).rss_kib;
  t.true(after - baseline < 4096, `RSS grew by ${after - baseline} KiB`);
});

test('an exception: traceback, 500 (or the answer cut after its head), the process goes on', async (t) => {
  const { app, port } = await asgi(t);
  const r = await request({ port }, '/fail');
  t.is(r.status, 500);
  await app.waitForLog(/the app failed on GET \/fail:\n {4}Traceback[\s\S]*ValueError: the ASGI app broke on purpose/);
  await t.throwsAsync(request({ port }, '/fail-late'));
  t.is((await request({ port }, '/no-answer')).status, 500);
  await app.waitForLog(/returned without completing its answer to GET \/no-answer/);
  t.is((await request({ port }, '/events')).status, 200);
});

test('websocket: accept with a subprotocol, text and binary, close codes both ways, state', async (t) => {
  const { port } = await asgi(t);
  const ws = await openSocket(`ws://127.0.0.1:${port}/chat`, ['one', 'two']);
  t.teardown(() => ws.terminate());
  t.is(ws.protocol, 'two');
  ws.send('hello');
  t.is((await nextMessage(ws)).data.toString(), 'echo: hello');
  ws.send(Buffer.from([1, 2, 3]));
  const bin = await nextMessage(ws);
  t.true(bin.binary);
  t.deepEqual([...bin.data], [3, 2, 1]);
  const big = 'y'.repeat(200000);
  ws.send(big);
  t.is((await nextMessage(ws)).data.toString(), `echo: ${big}`);
  // A ping is answered with its payload (the runtime does it; the app never sees it).
  const pong = new Promise<string>((resolve) => ws.once('pong', (d: Buffer) => resolve(d.toString())));
  ws.ping('are you there');
  t.is(await pong, 'are you there');
  ws.send('state');
  t.deepEqual(JSON.parse((await nextMessage(ws)).data.toString()), { started: 'yes' });
  // The app closes with its own code and reason.
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
  ws.send('close');
  t.deepEqual(await closed, [4001, 'asked to']);
  // The client closes: the app hears websocket.disconnect with the client's code.
  const ws2 = await openSocket(`ws://127.0.0.1:${port}/chat`);
  t.teardown(() => ws2.terminate());
  ws2.send('x');
  await nextMessage(ws2);
  ws2.close(4321, 'bye');
  await new Promise<void>((resolve) => ws2.once('close', () => resolve()));
  const events = async () => JSON.parse((await request({ port }, '/events')).text) as string[];
  for (let i = 0; i < 100 && !(await events()).includes('ws-disconnect 4321'); i++) await new Promise((r) => setTimeout(r, 50));
  t.true((await events()).includes('ws-disconnect 4321'));
});

test('websocket denial: close before accept is 403; websocket.http.response answers as the app says', async (t) => {
  const { port } = await asgi(t);
  const denied = await t.throwsAsync(openSocket(`ws://127.0.0.1:${port}/deny`));
  t.is((denied as Error & { status: number }).status, 403);
  const custom = await t.throwsAsync(openSocket(`ws://127.0.0.1:${port}/deny-response`));
  t.is((custom as Error & { status: number }).status, 401);
});

test("websocket over HTTP/1.1 on an adopted connection (today's router tunnels the upgrade)", async (t) => {
  const app = await startPython(t, { config: { module: 'asgi_app', callable: 'app' } });
  await app.ready;
  const socket = app.adopt('http');
  t.teardown(() => socket.destroy());
  let data = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
  socket.write(
    'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nx-weft-client: 127.0.0.1 5000 http\r\n\r\n',
  );
  await app.until(() => data.includes('\r\n\r\n'), 'the 101');
  const head = data.toString('latin1');
  t.regex(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.regex(head, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
  // A masked text frame "hi".
  const mask = Buffer.from([1, 2, 3, 4]);
  const payload = Buffer.from('hi').map((b, i) => b ^ mask[i % 4]);
  data = Buffer.alloc(0);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | 2]), mask, payload]));
  await app.until(() => data.length >= 10, 'an answer frame');
  t.is(data[0], 0x81);
  t.is(data.subarray(2, 2 + data[1]).toString(), 'echo: hi');
});

test('pipelined on an adopted HTTP/1.1 connection: answers in order whether the app waits or not, each request its own task and context', async (t) => {
  const app = await startPython(t, { config: { module: 'asgi_app', callable: 'app' } });
  await app.ready;
  const socket = app.adopt('http');
  t.teardown(() => socket.destroy());
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  const client = 'x-weft-client: 127.0.0.1 5000 http\r\n';
  // /stream waits (its task goes on after the read), /echo's body comes with its head, the rest answer at once.
  socket.write(
    `GET /stream HTTP/1.1\r\nHost: x\r\n${client}\r\n` +
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n${client}\r\nabc` +
      `GET /task HTTP/1.1\r\nHost: x\r\n${client}\r\n` +
      `GET /context?first HTTP/1.1\r\nHost: x\r\n${client}\r\n` +
      `GET /context?second HTTP/1.1\r\nHost: x\r\n${client}\r\n`,
  );
  await app.until(() => text.split('HTTP/1.1 200 OK').length === 6 && text.endsWith('}'), 'five answers');
  const bodies = text.split('HTTP/1.1 200 OK').slice(1);
  t.regex(bodies[0], /one [\s\S]*two [\s\S]*three/);
  t.regex(bodies[1], /\{"body": "abc"\}$/);
  t.regex(bodies[2], /\{"task": true, "same": true\}$/);
  t.regex(bodies[3], /\{"before": "nothing"\}$/);
  t.regex(bodies[4], /\{"before": "nothing"\}$/);
});

test('lifespan: shutdown runs when the process stops; startup failure is a failed start, not served', async (t) => {
  const { app } = await asgi(t);
  app.stop(2000);
  await app.until(() => app.stdout.includes('lifespan shutdown ran'), 'lifespan shutdown');
  t.is((await app.exited).code, 0);

  // SIGTERM (what the prototype sends its processes when it stops) is a graceful stop too.
  const terminated = await startPython(t, { config: { module: 'asgi_app', callable: 'app' } });
  await terminated.ready;
  terminated.child.kill('SIGTERM');
  await terminated.until(() => terminated.stdout.includes('lifespan shutdown ran'), 'lifespan shutdown on SIGTERM');
  t.is((await terminated.exited).code, 0);

  const failing = await startPython(t, { config: { module: 'asgi_more', callable: 'startup_fails' } });
  const error = await t.throwsAsync(failing.ready);
  t.regex(error.message, /the app's lifespan startup failed: the database is not there/);
  t.is(failing.failure?.code, 'WEFT_ERR_PYTHON_LIFESPAN');
  t.is((await failing.exited).code, 1);

  const raising = await startPython(t, { config: { module: 'asgi_more', callable: 'startup_raises' } });
  const raised = await t.throwsAsync(raising.ready);
  t.regex(raised.message, /RuntimeError: startup exploded/);
  await raising.waitForLog(/Traceback[\s\S]*RuntimeError: startup exploded/);

  // An app without lifespan (it raises on the scope before receiving) is served all the same.
  const plain = await startPython(t, { config: { module: 'asgi_more', callable: 'no_lifespan' } });
  await plain.ready;
  const { port } = await framesRouter(t, plain);
  t.is((await request({ port }, '/')).text, 'served without lifespan');
});

test('ASGI 2 apps (a class made with the scope), factories, protocol detection', async (t) => {
  const legacy = await startPython(t, { config: { module: 'asgi_more', callable: 'Legacy' } });
  await legacy.ready;
  t.is((await request({ port: (await framesRouter(t, legacy)).port }, '/')).text, 'asgi2 2.0');
  const made = await startPython(t, { config: { module: 'asgi_more', callable: 'make_app', factory: true } });
  await made.ready;
  t.is((await request({ port: (await framesRouter(t, made)).port }, '/')).text, 'made by the factory');
  const forced = await startPython(t, {
    config: { module: 'asgi_more', callable: 'make_wsgi', factory: true, protocol: 'wsgi', prefix: '/p' },
  });
  await forced.ready;
  t.is((await request({ port: (await framesRouter(t, forced)).port }, '/p/q')).text, 'wsgi from a factory at /p|/q');
});
