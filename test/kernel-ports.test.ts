// Ports between two Port objects over a real socketpair.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { ErrorCodes, WeftError } from '../src/errors.js';
import { Logger } from '../src/kernel/log/logger.js';
import { MessageType } from '../src/kernel/ports/message-type.js';
import { withFds } from '../src/kernel/ports/methods.js';
import { Port, RemoteError } from '../src/kernel/ports/port.js';
import { socketPair } from '../src/native/index.js';
import { tempDir } from './helpers/tmp.js';

declare module '../src/kernel/ports/methods.js' {
  interface PortMethods {
    'test.echo': { params: { text: string }; result: { text: string; length: number } };
    'test.big': { params: { size: number }; result: string };
    'test.open': { params: { file: string }; result: { ok: boolean } };
    'test.fail': { params: Record<string, never>; result: void };
    'test.never': { params: Record<string, never>; result: void };
    'test.ping': { params: { n: number }; result: void };
  }
}

function pair(t: { teardown(f: () => void): void }): [Port, Port] {
  const log = new Logger({ fd: fs.openSync('/dev/null', 'w') });
  const a = new Port(1001, log);
  const b = new Port(1002, log);
  const [fa, fb] = socketPair();
  a.link({ pid: 1002, type: 'router', cls: 'router', name: 'router' }, fa);
  b.link({ pid: 1001, type: 'controller', cls: 'controller', name: 'controller' }, fb);
  t.teardown(() => {
    a.closeAll();
    b.closeAll();
  });
  return [a, b];
}

test('a typed call and its answer', async (t) => {
  const [a, b] = pair(t);
  b.handle('test.echo', ({ text }, ctx) => {
    t.is(ctx.from, 1001);
    return { text: text.toUpperCase(), length: text.length };
  });
  const { value } = await a.call(1002, 'test.echo', { text: 'hello' });
  t.deepEqual(value, { text: 'HELLO', length: 5 });
});

test('messages larger than a frame are split and reassembled', async (t) => {
  const [a, b] = pair(t);
  b.handle('test.big', ({ size }) => 'x'.repeat(size));
  for (const size of [0, 65000, 65536, 1_000_000, 5_000_000]) {
    const { value } = await a.call(1002, 'test.big', { size });
    t.is(value.length, size);
  }
});

test('fds travel with calls and answers', async (t) => {
  const [a, b] = pair(t);
  const dir = tempDir(t);
  b.handle('test.open', ({ file }, ctx) => {
    t.is(ctx.fds.length, 1);
    fs.writeSync(ctx.fds[0], 'via the fd\n');
    fs.closeSync(ctx.fds[0]);
    return withFds({ ok: true }, [fs.openSync(file, 'r')]);
  });
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'opened by the callee\n');
  const out = path.join(dir, 'out');
  const outFd = fs.openSync(out, 'w');
  const { value, fds } = await a.call(1002, 'test.open', { file }, { fds: [outFd] });
  fs.closeSync(outFd);
  t.deepEqual(value, { ok: true });
  t.is(fs.readFileSync(out, 'utf8'), 'via the fd\n');
  t.is(fs.readFileSync(fds[0], 'utf8'), 'opened by the callee\n');
  fs.closeSync(fds[0]);
});

test('a handler that throws answers with an error carrying its code', async (t) => {
  const [a, b] = pair(t);
  b.handle('test.fail', () => {
    throw Object.assign(new Error('no such thing'), { code: 'E_THING', detail: { where: '/x' } });
  });
  const e = await t.throwsAsync(a.call(1002, 'test.fail', {}), { instanceOf: RemoteError });
  t.is(e!.message, 'no such thing');
  t.is((e as RemoteError).remoteCode, 'E_THING');
  t.deepEqual((e as RemoteError).detail, { where: '/x' });
});

test('an unknown method is an error, not a hang', async (t) => {
  const [a] = pair(t);
  await t.throwsAsync(a.call(1002, 'test.echo', { text: 'x' }), { message: 'unknown method "test.echo"' });
});

test('a call times out when no answer comes', async (t) => {
  const [a, b] = pair(t);
  b.handle('test.never', () => new Promise<void>(() => {}));
  const e = await t.throwsAsync(a.call(1002, 'test.never', {}, { timeoutMs: 50 }), { instanceOf: WeftError });
  t.is((e as WeftError).code, ErrorCodes.RPC_TIMEOUT);
});

test('a stream can be cancelled', async (t) => {
  const [a] = pair(t);
  const { stream, answer } = a.expectAnswer(1002);
  a.cancel(stream);
  const e = await t.throwsAsync(answer, { instanceOf: WeftError });
  t.is((e as WeftError).code, ErrorCodes.RPC_CANCELLED);
});

test('calls waiting on a peer fail when its channel closes', async (t) => {
  const [a, b] = pair(t);
  b.handle('test.never', () => new Promise<void>(() => {}));
  const pending = a.call(1002, 'test.never', {});
  const closed = new Promise((r) => a.once('peer-closed', r));
  setImmediate(() => b.closeAll());
  const e = await t.throwsAsync(pending, { instanceOf: WeftError });
  t.regex(e!.message, /router \(pid 1002\) closed its channel/);
  t.deepEqual(await closed, { pid: 1002, type: 'router', cls: 'router', name: 'router' });
  t.false(a.has(1002));
});

test('notifications and kernel message types', async (t) => {
  const [a, b] = pair(t);
  const seen: number[] = [];
  const got = new Promise<void>((resolve) =>
    b.onNotify('test.ping', ({ n }) => {
      seen.push(n);
      if (seen.length === 3) resolve();
    }),
  );
  for (const n of [1, 2, 3]) a.notify(1002, 'test.ping', { n });
  await got;
  t.deepEqual(seen, [1, 2, 3]);
  const quit = new Promise<number>((resolve) => b.onMessage(MessageType.QUIT, (m) => resolve(m.replyPort)));
  a.send(1002, MessageType.QUIT);
  t.is(await quit, 1001);
});

test('restrictCallers: a method listed for other process types is refused (call and notification), a listed caller and an unlisted method pass', async (t) => {
  const [a, b] = pair(t);
  const pings: number[] = [];
  b.handle('test.echo', ({ text }) => ({ text, length: text.length }));
  b.handle('test.big', ({ size }) => 'x'.repeat(size));
  b.onNotify('test.ping', ({ n }) => void pings.push(n));
  // a is a controller to b.
  b.restrictCallers({ 'test.echo': ['router', 'main'], 'test.ping': ['router'] });
  const refused = await t.throwsAsync(a.call(1002, 'test.echo', { text: 'x' }), { instanceOf: RemoteError });
  t.is(refused?.remoteCode, ErrorCodes.PORT_FORBIDDEN);
  t.regex(refused?.message ?? '', /"test.echo" may not be called by controller/);
  a.notify(1002, 'test.ping', { n: 1 });
  // (in order on one channel: once this is answered, the notification was handled or dropped)
  t.is((await a.call(1002, 'test.big', { size: 3 })).value, 'xxx', 'an unlisted method is open');
  t.deepEqual(pings, [], 'the refused notification never reached its handler');
  // A name that is a property of every object is just an unknown method.
  const odd = await t.throwsAsync(a.call(1002, 'constructor' as never, {} as never), { instanceOf: RemoteError });
  t.is(odd?.remoteCode, ErrorCodes.PORT);
  b.restrictCallers({ 'test.echo': ['controller'], 'test.ping': ['controller'] });
  t.deepEqual((await a.call(1002, 'test.echo', { text: 'ok' })).value, { text: 'ok', length: 2 });
  a.notify(1002, 'test.ping', { n: 2 });
  await a.call(1002, 'test.big', { size: 0 });
  t.deepEqual(pings, [2]);
});
