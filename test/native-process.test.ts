// Daemon mode, process titles, listening sockets.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { ErrorCodes, ListenError } from '../src/errors.js';
import { listenSocket } from '../src/native/index.js';
import { capture, start } from './helpers/capture.js';
import { commandLine, isAlive, procStat } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';

const fixtures = path.join(__dirname, 'fixtures');
const node = (script: string, ...args: string[]) => ({
  file: process.execPath,
  args: ['node', path.join(fixtures, script), ...args],
});

test('a daemon is a session leader with /dev/null stdio, umask 0 and cwd /; the launcher exits 0 once it is ready', async (t) => {
  const info = path.join(tempDir(t), 'info.json');
  const launcher = await capture(node('daemon-launcher.js', 'ok', info));
  const daemonPid = Number(launcher.stdout.trim());
  t.teardown(() => {
    if (isAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
  });
  t.deepEqual(launcher.status, { code: 0, signal: null });
  t.true(isAlive(daemonPid), 'the daemon still runs after the launcher exited');
  const seen = JSON.parse(fs.readFileSync(info, 'utf8'));
  t.is(seen.pid, daemonPid);
  t.is(seen.session, daemonPid, 'session leader');
  t.is(seen.stdin, '/dev/null');
  t.is(seen.stdout, '/dev/null');
  t.is(seen.cwd, '/');
  t.is(seen.umask, 0);
  t.is(seen.ppid, launcher.pid, 'started by the launcher');
  t.not(procStat(daemonPid)?.ppid, launcher.pid, 'and outlived it');
});

test('a daemon that fails to start makes the launcher exit 1 with its reason', async (t) => {
  const r = await capture(node('daemon-launcher.js', 'fail'));
  t.deepEqual(r.status, { code: 1, signal: null });
  t.is(r.stderr, 'daemon failed: cannot create the control socket "/nonexistent/control.sock": ENOENT\n');
});

test('a daemon that dies before reporting makes the launcher exit 1 with what it printed', async (t) => {
  const r = await capture(node('daemon-launcher.js', 'crash'));
  t.deepEqual(r.status, { code: 1, signal: null });
  t.regex(r.stderr, /exited with code 3 before it was ready:\nboom: something broke before start-up finished/);
});

test('the process title is what ps shows, and the comm name', async (t) => {
  const running = await start(node('title.js', 'weft: router'));
  t.teardown(() => running.child.kill('SIGKILL'));
  t.is(await running.nextLine(), 'ok');
  t.is(commandLine(running.child.pid), 'weft: router');
  t.is(fs.readFileSync(`/proc/${running.child.pid}/comm`, 'utf8'), 'weft: router\n');
});

test('a long title is cut to 15 bytes for comm', async (t) => {
  const running = await start(node('title.js', 'weft: "my-application" application'));
  t.teardown(() => running.child.kill('SIGKILL'));
  await running.nextLine();
  t.is(fs.readFileSync(`/proc/${running.child.pid}/comm`, 'utf8'), 'weft: "my-appli\n');
  t.regex(commandLine(running.child.pid), /^weft: "my-application"/);
});

function connect(options: net.NetConnectOpts): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options, () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

function serve(fd: number): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer((c) => c.destroy());
    server.listen({ fd }, () => resolve(server));
  });
}

test('listenSocket: TCP on a kernel-chosen port, usable by a Node server', async (t) => {
  const { fd, port } = listenSocket({ type: 'tcp', host: '127.0.0.1', port: 0 });
  t.true(port > 0);
  const server = await serve(fd);
  t.teardown(() => server.close());
  await t.notThrowsAsync(connect({ host: '127.0.0.1', port }));
});

test('listenSocket: IPv6 loopback', async (t) => {
  let result;
  try {
    result = listenSocket({ type: 'tcp', host: '::1', port: 0, ipv6: true, v6only: true });
  } catch (e) {
    t.log(`IPv6 unavailable here: ${(e as Error).message}`);
    t.is((e as ListenError).errnoName, 'EADDRNOTAVAIL');
    return;
  }
  const server = await serve(result.fd);
  t.teardown(() => server.close());
  await t.notThrowsAsync(connect({ host: '::1', port: result.port }));
});

test('listenSocket: a unix socket gets the asked mode', async (t) => {
  const file = path.join(tempDir(t), 'control.sock');
  const { fd } = listenSocket({ type: 'unix', path: file, mode: 0o600 });
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  const server = await serve(fd);
  t.teardown(() => server.close());
  await t.notThrowsAsync(connect({ path: file }));
});

test('listenSocket: an abstract unix socket, named by its exact length as Unit and curl do', async (t) => {
  // Node 20's own client pads abstract names to 108 bytes, so a C client
  // (python's socket module here) does the connecting.
  const name = `weft-test-${process.pid}-${Date.now()}`;
  const { fd } = listenSocket({ type: 'unix', path: name, abstract: true });
  const server = await serve(fd);
  t.teardown(() => server.close());
  const r = await capture({
    file: 'python3',
    args: ['python3', '-c', `import socket; s = socket.socket(socket.AF_UNIX); s.connect("\\0${name}"); print("connected")`],
  });
  t.is(r.stdout, 'connected\n', r.stderr);
});

test('listenSocket: an address in use is a ListenError with the address and errno', (t) => {
  const first = listenSocket({ type: 'tcp', host: '127.0.0.1', port: 0 });
  t.teardown(() => fs.closeSync(first.fd));
  const e = t.throws(() => listenSocket({ type: 'tcp', host: '127.0.0.1', port: first.port }), { instanceOf: ListenError });
  t.is(e!.code, ErrorCodes.LISTEN);
  t.is(e!.address, `127.0.0.1:${first.port}`);
  t.is(e!.syscall, 'bind');
  t.is(e!.errnoName, 'EADDRINUSE');
  t.is(e!.message, `cannot listen on 127.0.0.1:${first.port}: bind(2) failed: EADDRINUSE`);
});

test('listenSocket: a unix path in a missing directory fails with ENOENT', (t) => {
  const e = t.throws(() => listenSocket({ type: 'unix', path: '/nonexistent-dir/x.sock' }), { instanceOf: ListenError });
  t.is(e!.errnoName, 'ENOENT');
  t.is(e!.address, 'unix:/nonexistent-dir/x.sock');
});
