// The log writer: a log nobody reads does not stop the event loop, lines
// keep their order and whole-line atomicity on a shared pipe, and what is
// queued at exit is written.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { LogWriter } from '../src/native/index.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'log-burst.js');
const LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[info\] \d+#\d+ ([ab]) (\d+) x{80}$/;

function burst(t: { teardown(fn: () => void): void }, count: number, tag: string): ChildProcess {
  const child = spawn(process.execPath, [FIXTURE, String(count), tag], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

function message(child: ChildProcess): Promise<{ turned: boolean }> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as { turned: boolean }));
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before it said anything`)));
  });
}

function readAll(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (text += d));
    child.stderr!.on('end', () => resolve(text));
    // pause() was called explicitly: a 'data' listener alone does not resume.
    child.stderr!.resume();
  });
}

test('4 MB logged into a pipe nobody reads: the event loop turns, and every line arrives in order after exit', async (t) => {
  const count = 40000;
  const child = burst(t, count, 'a');
  // Nothing reads stderr yet: the pipe fills after a few hundred KB. With
  // fs.writeSync the child would block there and never answer.
  child.stderr!.pause();
  const said = await message(child);
  t.true(said.turned);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const text = readAll(child);
  child.send({ exit: true });
  t.is(await exited, 0);
  const lines = (await text).split('\n').filter(Boolean);
  t.is(lines.length, count);
  lines.forEach((line, i) => {
    const m = LINE.exec(line);
    if (!m || m[2] !== String(i)) t.fail(`line ${i} is ${JSON.stringify(line.slice(0, 120))}`);
  });
});

test('a shared fifo: lines of two writers never interleave inside a line', async (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, 'log.fifo');
  execFileSync('mkfifo', [fifo]);
  // The reader is another process: close() below blocks this thread until
  // everything is written.
  const out = path.join(dir, 'out.log');
  const reader = spawn('sh', ['-c', 'cat "$0" > "$1"', fifo, out], { stdio: 'ignore' });
  t.teardown(() => void reader.kill('SIGKILL'));
  const readerDone = new Promise<void>((r) => reader.on('exit', () => r()));
  const count = 20000;
  const pad = 'y'.repeat(200);
  const writers = ['a', 'b'].map((tag) => ({ tag, w: new LogWriter(fs.openSync(fifo, 'w'), { own: true }) }));
  // Interleaved bursts: each write is one line; batches go out cut at line
  // ends below PIPE_BUF, so the two writers' bytes alternate in whole lines.
  for (let i = 0; i < count; i++) for (const { tag, w } of writers) w.write(`${tag} ${i} ${pad}\n`);
  for (const { w } of writers) w.close(30000);
  await readerDone;
  const text = fs.readFileSync(out, 'utf8');
  const seen: Record<string, number> = { a: 0, b: 0 };
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([ab]) (\d+) y{200}$/.exec(line);
    if (!m) return t.fail(`a broken line: ${JSON.stringify(line.slice(0, 80))}`);
    if (Number(m[2]) !== seen[m[1]]) return t.fail(`${m[1]} ${m[2]} came after ${m[1]} ${seen[m[1]] - 1}`);
    seen[m[1]]++;
  }
  t.deepEqual(seen, { a: count, b: count });
});

test('setFd: lines queued before go to the old file, later ones to the new one', (t) => {
  const dir = tempDir(t);
  const first = fs.openSync(path.join(dir, 'first.log'), 'a');
  const second = fs.openSync(path.join(dir, 'second.log'), 'a');
  const w = new LogWriter(first);
  for (let i = 0; i < 1000; i++) w.write(`one ${i}\n`);
  w.setFd(second);
  // Both fds stay ours (the writer works on copies): closing them changes nothing.
  fs.closeSync(first);
  fs.closeSync(second);
  for (let i = 0; i < 1000; i++) w.write(`two ${i}\n`);
  t.true(w.flush(10000));
  w.close(10000);
  t.true(w.stats().finished);
  const one = fs.readFileSync(path.join(dir, 'first.log'), 'utf8').split('\n').filter(Boolean);
  const two = fs.readFileSync(path.join(dir, 'second.log'), 'utf8').split('\n').filter(Boolean);
  t.deepEqual(
    one,
    Array.from({ length: 1000 }, (_, i) => `one ${i}`),
  );
  t.deepEqual(
    two,
    Array.from({ length: 1000 }, (_, i) => `two ${i}`),
  );
});

test('a full queue drops lines and says so; nothing blocks', async (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, 'stuck.fifo');
  execFileSync('mkfifo', [fifo]);
  // Opened read-write so that open does not wait for a reader; nobody reads.
  const fd = fs.openSync(fifo, fs.constants.O_RDWR);
  const w = new LogWriter(fd, { own: true, limitBytes: 64 * 1024 });
  let dropped = 0;
  for (let i = 0; i < 10000; i++) if (!w.write(`line ${i} ${'z'.repeat(90)}\n`)) dropped++;
  t.true(dropped > 0);
  t.is(w.stats().droppedLines, dropped);
  t.false(w.flush(50), 'a log nobody reads cannot be flushed');
  // Now someone reads: the queue drains and the writer ends.
  const reader = spawn('cat', [fifo], { stdio: 'ignore' });
  t.teardown(() => void reader.kill('SIGKILL'));
  w.close(10000);
  t.true(w.stats().finished);
});
