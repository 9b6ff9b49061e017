// The Python runtime's Port (plugins/python/runtime/weft_python/port.py):
// on its own (calls, answers with fds, errors with their code, time-outs,
// messages of many frames, NEW_PORT/REMOVE_PID, a closed peer), and
// against the kernel's Node Port across the process boundary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { RemoteError } from '../src/kernel/ports/port.js';
import { MessageType } from '../src/kernel/ports/message-type.js';
import { listenSocket, socketPair } from '../src/native/index.js';
import { ErrorCodes } from '../src/errors.js';
import { request } from './helpers/http.js';
import { PYTHON, pythonFixtures, repoRoot, startPython } from './helpers/python-app.js';
import { FrameConnection } from '../src/transport/frames/index.js';
import { frameRequestOf } from './helpers/frames-router.js';

test('the Python port on its own: every check of port_selftest.py', (t) => {
  const r = spawnSync(PYTHON, [path.join(pythonFixtures, 'port_selftest.py'), path.join(repoRoot, 'plugins', 'python', 'runtime')], {
    encoding: 'utf8',
    timeout: 60000,
  });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /all ok\n$/);
  t.notRegex(r.stdout, /FAIL/);
});

for (const [kind, config, page, text] of [
  ['WSGI', { module: 'wsgi_app' }, '/write', 'written then returned'],
  ['ASGI', { module: 'asgi_app', callable: 'app' }, '/stream', 'one two three'],
] as const) {
test(`Node port <-> Python port: app.serve answered (direct mode, listening fds), unknown methods, big messages (${kind})`, async (t) => {
  const app = await startPython(t, { config });
  await app.ready;
  const listener = listenSocket({ type: 'tcp', host: '127.0.0.1', port: 0 });
  t.teardown(() => fs.closeSync(listener.fd));
  const answer = await app.serve(
    { direct: true, serverHeader: 'Weft/test', requestLimit: 0, http: { headerReadTimeoutMs: 200, sendTimeoutMs: 30000, idleTimeoutMs: 400, maxBodySize: 1024 } },
    [listener.fd],
  );
  t.deepEqual((answer as { value: unknown }).value, {});
  const direct = await request({ port: listener.port }, page);
  t.is(direct.text, text);
  t.is(direct.headers.server, 'Weft/test');
  t.regex(String(direct.headers.date), /GMT$/);
  // max_body_size applies in direct mode: 413 before the app sees the body.
  t.is((await request({ port: listener.port }, '/upload', { method: 'POST', body: Buffer.alloc(2048) })).status, 413);
  await app.until(() => app.loads.some((l) => l.direct.accepted >= 2), 'a load report counting the direct connections');
  // A head that never finishes (header_read_timeout) and a keep-alive connection left idle
  // (idle_timeout) are closed by the process; nothing else would close them in direct mode.
  const net = await import('node:net');
  for (const sent of [`GET ${page} HT`, `GET ${page} HTTP/1.1\r\nHost: x\r\n\r\n`]) {
    const socket = net.connect(listener.port, '127.0.0.1');
    t.teardown(() => socket.destroy());
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.write(sent);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    t.is(got.startsWith('HTTP/1.1 200'), sent.endsWith('\r\n\r\n'));
  }
  // Expect: 100-continue (curl sends it for larger bodies): the process says go on before it reads.
  const expecting = net.connect(listener.port, '127.0.0.1');
  t.teardown(() => expecting.destroy());
  let said = '';
  expecting.on('data', (d: Buffer) => (said += d.toString()));
  expecting.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
  await app.until(() => said.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
  expecting.write('abc');
  await new Promise<void>((resolve) => expecting.on('close', () => resolve()));
  t.regex(said, /HTTP\/1\.1 200 OK[\s\S]*abc/);
  const unknown = await t.throwsAsync(app.port.call(app.key, 'app.nothing' as never, {} as never), { instanceOf: RemoteError });
  t.is(unknown.remoteCode, ErrorCodes.PORT);
  // A notification of many frames is put together again (and ignored: no fd came with it).
  t.true(app.port.notify(app.key, 'app.adopt', { transport: 'frames', padding: 'z'.repeat(200000) } as never));
  t.is((await request({ port: listener.port }, page)).text, text);
});
}

test('a channel that arrives as NEW_PORT serves like the first one; REMOVE_PID closes it', async (t) => {
  const app = await startPython(t, { config: { module: 'wsgi_app' } });
  await app.ready;
  const [ours, theirs] = socketPair();
  const second = 0x6000_0001;
  app.port.send(app.key, MessageType.NEW_PORT, { peer: { pid: second, type: 'router', cls: 'router', name: 'router 2' } }, { fds: [theirs] });
  fs.closeSync(theirs);
  app.port.link({ pid: second, type: 'application', cls: 'app', name: 'py via 2' }, ours);
  const [mine, appEnd] = socketPair('stream');
  app.port.notify(second, 'app.adopt', { transport: 'frames' }, [appEnd]);
  fs.closeSync(appEnd);
  const net = await import('node:net');
  const connection = new FrameConnection(new net.Socket({ fd: mine, readable: true, writable: true }), () => undefined);
  t.teardown(() => connection.destroy());
  const body = await new Promise<string>((resolve, reject) => {
    let text = '';
    connection.start(
      frameRequestOf({ url: '/write', method: 'GET', httpVersion: '1.1', rawHeaders: ['Host', 'x'], headers: { host: 'x' }, socket: {} } as never, ''),
      { head: () => undefined, body: (c) => ((text += c.toString()), true), end: () => resolve(text), fail: (e) => reject(e) },
    );
  });
  t.is(body, 'written then returned');
  app.port.send(app.key, MessageType.REMOVE_PID, { pid: second });
  await new Promise<void>((resolve) => app.port.once('peer-closed', (peer) => peer.pid === second && resolve()));
  t.is(app.child.exitCode, null, 'losing a second peer does not stop the process');
});
