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
import { dup, listenSocket, socketPair } from '../src/native/index.js';
import { ErrorCodes } from '../src/errors.js';
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
  test(`Node port <-> Python port: app.serve answered (listening fds closed: the router accepts for Python), unknown methods, big messages (${kind})`, async (t) => {
    const app = await startPython(t, { config });
    await app.ready;
    const listener = listenSocket({ type: 'tcp', host: '127.0.0.1', port: 0 });
    t.teardown(() => fs.closeSync(listener.fd));
    const answer = await app.serve(
      { listeners: [], engine: null, app: 'py', accessLog: false, serverHeader: 'Weft/test', requestLimit: 0, timeoutMs: 0 },
      [dup(listener.fd)],
    );
    t.deepEqual((answer as { value: unknown }).value, {});
    // It serves what a router hands over, in HTTP/1.1 as the router writes it.
    const ask = async (): Promise<string> => {
      const socket = app.adopt('http');
      t.teardown(() => socket.destroy());
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.write(`GET ${page} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      // The status line, then the body without its chunk framing.
      const [head, ...rest] = got.split('\r\n\r\n');
      return `${head.split('\r\n')[0]}\n${rest.join('\r\n\r\n').replace(/(^|\r\n)[0-9a-f]+\r\n/g, '')}`;
    };
    t.regex(await ask(), new RegExp(`^HTTP/1\\.1 200 OK\n${text}`));
    const unknown = await t.throwsAsync(app.port.call(app.key, 'app.nothing' as never, {} as never), { instanceOf: RemoteError });
    t.is(unknown.remoteCode, ErrorCodes.PORT);
    // A notification of many frames is put together again (and ignored: no fd came with it).
    t.true(app.port.notify(app.key, 'app.adopt', { slot: -1, transport: 'frames', padding: 'z'.repeat(200000) } as never));
    t.regex(await ask(), new RegExp(text));
  });
}

test('a channel that arrives as NEW_PORT serves like the first one; REMOVE_PID closes it', async (t) => {
  const app = await startPython(t, { config: { module: 'wsgi_app' } });
  await app.ready;
  const [ours, theirs] = socketPair();
  const second = 0x6000_0001;
  app.port.send(
    app.key,
    MessageType.NEW_PORT,
    { peer: { pid: second, type: 'router', cls: 'router', name: 'router 2' } },
    { fds: [theirs] },
  );
  fs.closeSync(theirs);
  app.port.link({ pid: second, type: 'application', cls: 'app', name: 'py via 2' }, ours);
  const [mine, appEnd] = socketPair('stream');
  app.port.notify(second, 'app.adopt', { slot: -1, transport: 'frames' }, [appEnd]);
  fs.closeSync(appEnd);
  const net = await import('node:net');
  const connection = new FrameConnection(new net.Socket({ fd: mine, readable: true, writable: true }), () => undefined);
  t.teardown(() => connection.destroy());
  const body = await new Promise<string>((resolve, reject) => {
    let text = '';
    connection.start(
      frameRequestOf(
        { url: '/write', method: 'GET', httpVersion: '1.1', rawHeaders: ['Host', 'x'], headers: { host: 'x' }, socket: {} } as never,
        '',
      ),
      { head: () => undefined, body: (c) => ((text += c.toString()), true), end: () => resolve(text), fail: (e) => reject(e) },
    );
  });
  t.is(body, 'written then returned');
  app.port.send(app.key, MessageType.REMOVE_PID, { pid: second });
  await new Promise<void>((resolve) => app.port.once('peer-closed', (peer) => peer.pid === second && resolve()));
  t.is(app.child.exitCode, null, 'losing a second peer does not stop the process');
});
