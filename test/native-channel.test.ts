import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { Channel, createProcess, socketPair } from '../src/native/index.js';
import type { ChildProcessHandle } from '../src/native/index.js';
import { tempDir } from './helpers/tmp.js';

const fixture = path.join(__dirname, 'fixtures', 'fd-echo.js');

function nextMessage(channel: Channel): Promise<{ data: Buffer; fds: number[]; truncated: boolean }> {
  return new Promise((resolve) => channel.once('message', (data, fds, truncated) => resolve({ data, fds, truncated })));
}

async function startEcho(t: { teardown(fn: () => void): void }, extra = {}): Promise<[Channel, ChildProcessHandle]> {
  const [ours, theirs] = socketPair();
  const child = await createProcess({
    file: process.execPath,
    args: ['node', fixture],
    fds: [0, 1, 2, theirs],
    ...extra,
  });
  fs.closeSync(theirs);
  t.teardown(() => child.kill('SIGKILL'));
  return [new Channel(ours), child];
}

test('an fd survives a round trip between two processes', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'shared');
  const fd = fs.openSync(file, 'w');
  const [channel, child] = await startEcho(t);
  t.true(channel.send(Buffer.from('write'), [fd]));
  const reply = await nextMessage(channel);
  t.is(reply.data.toString(), 'written');
  t.is(reply.fds.length, 1);
  // The fd that came back is the same open file: same inode, and the
  // child's write through it landed in the file.
  t.is(fs.fstatSync(reply.fds[0]).ino, fs.fstatSync(fd).ino);
  fs.writeSync(reply.fds[0], 'and back\n');
  fs.closeSync(reply.fds[0]);
  fs.closeSync(fd);
  t.is(fs.readFileSync(file, 'utf8'), `hello from ${child.pid}\nand back\n`);
  channel.send(Buffer.from('quit'));
  t.deepEqual(await child.exited, { code: 0, signal: null });
});

test('a full frame of fds crosses at once', async (t) => {
  const [channel] = await startEcho(t);
  const fds = Array.from({ length: Channel.maxFds }, () => fs.openSync('/dev/null', 'r'));
  channel.send(Buffer.from('count'), fds);
  fds.forEach((fd) => fs.closeSync(fd));
  const reply = JSON.parse((await nextMessage(channel)).data.toString());
  t.deepEqual(reply, { fds: Channel.maxFds, truncated: false });
  channel.close();
});

test('fds dropped by a receiver at its fd limit are reported, not silently lost', async (t) => {
  // node itself needs ~20 fds; leave room for a few more only.
  const [channel] = await startEcho(t, { rlimits: { nofile: [30, 30] } });
  const fds = Array.from({ length: Channel.maxFds }, () => fs.openSync('/dev/null', 'r'));
  channel.send(Buffer.from('count'), fds);
  fds.forEach((fd) => fs.closeSync(fd));
  const reply = JSON.parse((await nextMessage(channel)).data.toString());
  t.true(reply.truncated);
  t.true(reply.fds < Channel.maxFds);
  channel.close();
});

test('a slow peer: send() reports backpressure, "drain" follows, nothing is lost or reordered', async (t) => {
  const [a, b] = socketPair();
  const sender = new Channel(a);
  const payload = Buffer.alloc(Channel.maxFrame, 7);
  let sent = 0;
  while (sender.send(payload.subarray(0, payload.length - (sent % 100)))) sent++;
  sent++; // the frame that returned false is queued, not dropped
  t.true(sender.queued > 0);
  const drained = new Promise<void>((resolve) => sender.once('drain', resolve));
  const received: number[] = [];
  const receiver = new Channel(b);
  receiver.on('message', (data) => received.push(data.length));
  await drained;
  while (received.length < sent) await new Promise((r) => setImmediate(r));
  t.deepEqual(
    received,
    Array.from({ length: sent }, (_, i) => payload.length - (i % 100)),
  );
  sender.close();
  receiver.close();
});

test('a closed peer is a "close" event, and later sends return false', async (t) => {
  const [a, b] = socketPair();
  const channel = new Channel(a);
  const closed = new Promise<unknown>((resolve) => channel.once('close', resolve));
  fs.closeSync(b);
  t.is(await closed, undefined);
  t.true(channel.closed);
  t.false(channel.send(Buffer.from('anyone?')));
});

test('frames must hold 1 to maxFrame bytes and fds must be open', (t) => {
  const [a, b] = socketPair();
  const channel = new Channel(a);
  t.throws(() => channel.send(Buffer.alloc(0)), { message: /a frame must hold 1 to 65536 bytes/ });
  t.throws(() => channel.send(Buffer.alloc(Channel.maxFrame + 1)), { message: /a frame must hold/ });
  const e = t.throws(() => channel.send(Buffer.from('x'), [9999]));
  t.regex(e!.message, /EBADF/);
  channel.close();
  fs.closeSync(b);
});
