// Giving the C heap's free pages back (src/kernel/memory/trim-when-quiet.ts,
// the addon's trimMemory): what glibc keeps after a burst of work goes back
// to the kernel, once, when the process has gone quiet, and the wait never
// keeps a process alive.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import test from 'ava';

import { trimWhenQuiet } from '../src/kernel/memory/trim-when-quiet.js';
import { trimMemory } from '../src/native/index.js';

const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);

test.serial("trimMemory gives back what a finished thread's buffers left in glibc's heap", async (t) => {
  // 64 MiB of 64 KiB buffers: each below glibc's mmap threshold, so in the thread's malloc arena.
  const worker = new Worker(
    'const keep = []; for (let i = 0; i < 1024; i++) keep.push(Buffer.alloc(65536, 1)); require("node:worker_threads").parentPort.postMessage(keep.length);',
    { eval: true },
  );
  const [count] = await Promise.all([
    new Promise<number>((resolve) => worker.once('message', resolve)),
    new Promise((resolve) => worker.once('exit', resolve)),
  ]);
  t.is(count, 1024);
  const before = rssKb();
  t.true(trimMemory(), 'something was released');
  const after = rssKb();
  t.true(before - after >= 32 * 1024, `RSS ${before} -> ${after} kB`);
});

test.serial('trimWhenQuiet trims once, after the last of a burst of calls', async (t) => {
  const calls: number[] = [];
  let n = 0;
  for (let i = 0; i < 5; i++) trimWhenQuiet(20, () => calls.push(++n));
  t.deepEqual(calls, [], 'not while the burst goes on');
  for (let i = 0; i < 400 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  // Whatever the machine's load, the earlier calls' timers are gone: one trim.
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(calls, [1]);
});

test('the wait never keeps a process alive', async (t) => {
  const module = path.join(__dirname, '..', 'src', 'kernel', 'memory', 'trim-when-quiet.js');
  // The default wait is 12 s; a process with nothing else to do exits now.
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(module)}).trimWhenQuiet(); console.log('armed')`]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 11_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  t.is(out.trim(), 'armed');
  t.is(signal, null, 'it exited on its own, before its trim was due');
  t.is(code, 0);
});
