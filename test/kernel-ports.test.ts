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
import { waitFor } from './helpers/processes.js';
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

/** A router (pid 1002) linked to main (1000) and to an application (1003), as in weftd; the router's log is returned. */
function routerBetween(t: { teardown(f: () => void): void }): { main: Port; router: Port; app: Port; log: () => string } {
  const file = path.join(tempDir(t as never), 'router.log');
  const logFd = fs.openSync(file, 'w');
  const quiet = new Logger({ fd: fs.openSync('/dev/null', 'w') });
  const main = new Port(1000, quiet);
  const router = new Port(1002, new Logger({ fd: logFd }));
  const app = new Port(1003, quiet);
  const [m1, r1] = socketPair();
  const [a1, r2] = socketPair();
  main.link({ pid: 1002, type: 'router', cls: 'router', name: 'router' }, m1);
  router.link({ pid: 1000, type: 'main', cls: 'main', name: 'main' }, r1);
  router.link({ pid: 1003, type: 'application', cls: 'app', name: '"blog" application' }, r2);
  app.link({ pid: 1002, type: 'router', cls: 'router', name: 'router' }, a1);
  router.kernelMessagesOnlyFrom(1000);
  t.teardown(() => {
    for (const p of [main, router, app]) p.closeAll();
    fs.closeSync(logFd);
  });
  return { main, router, app, log: () => fs.readFileSync(file, 'utf8') };
}

test("kernel messages count only from main: an application's QUIT or NEW_PORT to a router is dropped, with its fds, and logged", async (t) => {
  const { main, router, app, log } = routerBetween(t);
  const quits: number[] = [];
  let quit!: () => void;
  const mainQuit = new Promise<void>((resolve) => (quit = resolve));
  router.onMessage(MessageType.QUIT, (m) => {
    quits.push(m.from.pid);
    quit();
  });
  router.onMessage(MessageType.NEW_PORT, () => t.fail('a channel from the app was taken'));
  const [mine, handed] = socketPair('stream');
  t.teardown(() => fs.closeSync(mine));
  const socket = `socket:[${fs.fstatSync(handed).ino}]`;
  app.send(1002, MessageType.QUIT);
  app.send(
    1002,
    MessageType.NEW_PORT,
    { peer: { pid: 4242, type: 'controller', cls: 'controller', name: 'controller' } },
    { fds: [handed] },
  );
  fs.closeSync(handed);
  await waitFor(() => /refused a NEW_PORT/.test(log()), 10000, "the router's refusals");
  main.send(1002, MessageType.QUIT);
  await mainQuit;
  t.deepEqual(quits, [1000], "only main's QUIT reached the handler");
  t.regex(log(), /refused a QUIT message from "blog" application \(pid 1003, application\): only main sends those/);
  t.regex(log(), /refused a NEW_PORT message from "blog" application \(pid 1003, application\)/);
  // The fd that came with the refused NEW_PORT was closed: nothing in this process holds that socket any more.
  const holders = fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === socket;
    } catch {
      return false;
    }
  });
  t.deepEqual(holders, []);
});

test("an answer counts only from the peer that was asked: an application's forged RPC_READY on the router's pending streams is ignored", async (t) => {
  const { main, router, app } = routerBetween(t);
  let forged!: () => void;
  const forgedSent = new Promise<void>((resolve) => (forged = resolve));
  main.handle('test.echo', async ({ text }) => {
    await forgedSent;
    return { text: `main says ${text}`, length: 0 };
  });
  const call = router.call(1000, 'test.echo', { text: 'hi' });
  // Stream ids are small and sequential: the app answers all the likely ones.
  for (let stream = 1; stream < 64; stream++) app.send(1002, MessageType.RPC_READY, { result: { text: 'forged', length: 6 } }, { stream });
  // Once the router has read them (in order, before this notification), main answers.
  router.onNotify('test.ping', () => forged());
  app.notify(1002, 'test.ping', { n: 1 });
  t.deepEqual((await call).value, { text: 'main says hi', length: 0 });
});
