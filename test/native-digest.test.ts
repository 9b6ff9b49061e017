// The addon's digest (native/digest.h): what code caches, the schema's kept
// code and the configuration's ETag are told apart by.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import test from 'ava';

import { createProcess } from '../src/native/index.js';
import { digest } from '../src/native/digest.js';

test('16 bytes, the same for the same contents, whatever holds them', (t) => {
  const a = digest(Buffer.from('module.exports = 42;'));
  t.is(a.length, 16);
  t.deepEqual(digest('module.exports = 42;'), a);
  t.deepEqual(digest(new Uint8Array(Buffer.from('module.exports = 42;'))), a);
  const big = Buffer.alloc(1 << 20, 'x');
  t.deepEqual(digest(big), digest(Buffer.from(big)));
  t.deepEqual(digest(big.subarray(3, 1000)), digest(Buffer.from(big.subarray(3, 1000))), 'a view at an odd offset');
});

test('contents of the same length that differ in one bit anywhere, trailing zeros, or length alone give other digests', (t) => {
  const seen = new Set<string>();
  const add = (b: Uint8Array, what: string): void => {
    const hex = digest(b).toString('hex');
    t.false(seen.has(hex), what);
    seen.add(hex);
  };
  const base = Buffer.alloc(67, 0x61);
  add(base, 'base');
  for (let byte = 0; byte < base.length; byte++) {
    for (const bit of [0, 7]) {
      const b = Buffer.from(base);
      b[byte] ^= 1 << bit;
      add(b, `bit ${bit} of byte ${byte}`);
    }
  }
  for (let n = 0; n <= 40; n++) add(Buffer.alloc(n), `${n} zero bytes`);
  add(Buffer.from('ab'), 'ab');
  add(Buffer.from('ab\0'), 'ab and a zero');
});

test('anything but bytes is refused', (t) => {
  t.throws(() => digest(42 as unknown as Uint8Array), { message: /Uint8Array|string/ });
});

test('a worker thread that loads the addon (a preload runs there too) and ends leaves the main thread able to start and watch children', async (t) => {
  const before = await createProcess({ file: '/bin/true', args: ['true'] });
  t.deepEqual(await before.exited, { code: 0, signal: null });
  const digestModule = path.join(__dirname, '..', 'src', 'native', 'digest.js');
  const worker = new Worker(
    `require(${JSON.stringify(digestModule)}).digest('x'); require('node:worker_threads').parentPort.postMessage('ok');`,
    {
      eval: true,
    },
  );
  const said = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  t.is(said, 'ok');
  await new Promise((resolve) => worker.once('exit', resolve));
  // The addon's ChildHandle class was once one per process, replaced by the worker's and dead with it.
  const after = await createProcess({ file: '/bin/sh', args: ['sh', '-c', 'exit 3'] });
  t.deepEqual(await after.exited, { code: 3, signal: null });
});
