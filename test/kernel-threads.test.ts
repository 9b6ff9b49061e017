import path from 'node:path';
import { threadId } from 'node:worker_threads';

import test from 'ava';

import { ErrorCodes, WeftError } from '../src/errors.js';
import { ThreadPool } from '../src/kernel/threads/thread-pool.js';

const tasks = path.join(__dirname, 'fixtures', 'thread-tasks.js');

test('tasks run on other threads, up to the pool size', async (t) => {
  const pool = new ThreadPool({ size: 2 });
  t.teardown(() => pool.shutdown());
  const ids = await Promise.all(Array.from({ length: 6 }, () => pool.run<number>(tasks, 'threadId')));
  t.false(ids.includes(threadId));
  t.true(new Set(ids).size <= 2);
  t.is(await pool.run<number>(tasks, 'add', 2, 3), 5);
});

test('a throwing task rejects with its error, and the pool goes on', async (t) => {
  const pool = new ThreadPool({ size: 1 });
  t.teardown(() => pool.shutdown());
  const e = await t.throwsAsync(pool.run(tasks, 'fail', 'bad input'));
  t.is(e!.message, 'bad input');
  t.is((e as Error & { code: string }).code, 'E_TASK');
  t.is(await pool.run<number>(tasks, 'add', 1, 1), 2);
});

test('a worker thread that dies fails its task and is replaced', async (t) => {
  const pool = new ThreadPool({ size: 1 });
  t.teardown(() => pool.shutdown());
  const e = await t.throwsAsync(pool.run(tasks, 'crash'), { instanceOf: WeftError });
  t.is((e as WeftError).code, ErrorCodes.THREAD_POOL);
  t.regex(e!.message, /worker thread running crash\(\) died: the worker thread exited with code 7/);
  t.is(await pool.run<number>(tasks, 'add', 40, 2), 42);
});

test('a missing function is an error naming it', async (t) => {
  const pool = new ThreadPool({ size: 1 });
  t.teardown(() => pool.shutdown());
  await t.throwsAsync(pool.run(tasks, 'nope'), { message: /exports no function "nope"/ });
});

test('tasks queue when all threads are busy and run in order', async (t) => {
  const pool = new ThreadPool({ size: 1 });
  t.teardown(() => pool.shutdown());
  const order: string[] = [];
  const runs = ['a', 'b', 'c'].map((v) => pool.run<string>(tasks, 'slowEcho', v, 30).then((r) => order.push(r)));
  t.is(pool.queued, 2);
  await Promise.all(runs);
  t.deepEqual(order, ['a', 'b', 'c']);
});

test('shutdown drains queued work, then refuses new work', async (t) => {
  const pool = new ThreadPool({ size: 1 });
  const results = [pool.run<string>(tasks, 'slowEcho', 'x', 20), pool.run<string>(tasks, 'slowEcho', 'y', 20)];
  const closing = pool.shutdown();
  t.deepEqual(await Promise.all(results), ['x', 'y']);
  await closing;
  t.is(pool.threads, 0);
  await t.throwsAsync(pool.run(tasks, 'add', 1, 2), { message: /shutting down/ });
});

test('idle threads exit after the idle time-out', async (t) => {
  const pool = new ThreadPool({ size: 2, idleTimeoutMs: 50 });
  t.teardown(() => pool.shutdown());
  const work = Promise.all([pool.run(tasks, 'slowEcho', 'a', 10), pool.run(tasks, 'slowEcho', 'b', 10)]);
  t.is(pool.threads, 2, 'two threads started for two tasks');
  await work;
  while (pool.threads > 0) await new Promise((r) => setTimeout(r, 20));
  t.is(pool.threads, 0);
});
