// Exit notification, reaping, die-with-parent, execute().
import path from 'node:path';

import test from 'ava';

import { createProcess, execute } from '../src/native/index.js';
import { start } from './helpers/capture.js';
import { childrenOf, isAlive, openFds, waitFor } from './helpers/processes.js';

const fixtures = path.join(__dirname, 'fixtures');

test('a child dies with its parent (PR_SET_PDEATHSIG)', async (t) => {
  const parent = await start({ file: process.execPath, args: ['node', path.join(fixtures, 'spawn-and-wait.js')] });
  t.teardown(() => parent.child.kill('SIGKILL'));
  const grandchild = Number(await parent.nextLine());
  t.true(isAlive(grandchild));
  t.teardown(() => {
    if (isAlive(grandchild)) process.kill(grandchild, 'SIGKILL');
  });
  parent.child.kill('SIGKILL');
  await parent.child.exited;
  await waitFor(() => !isAlive(grandchild), 10000, `grandchild ${grandchild} to die`);
  t.false(isAlive(grandchild));
});

test.serial('1000 spawns leave no zombies and no leaked fds', async (t) => {
  const before = openFds();
  for (let round = 0; round < 10; round++) {
    const batch = [];
    for (let i = 0; i < 100; i++) {
      batch.push(createProcess({ file: '/bin/true', args: ['true'] }).then((c) => c.exited));
    }
    const statuses = await Promise.all(batch);
    t.true(statuses.every((s) => s.code === 0));
  }
  t.deepEqual(
    childrenOf(process.pid).filter((c) => c.state === 'Z'),
    [],
    'no zombie children',
  );
  t.is(openFds(), before, 'fd count back where it started');
});

test('execute() runs a program with posix_spawn and reports its exit', async (t) => {
  const child = execute({ file: 'sh', args: ['sh', '-c', 'exit 5'] });
  t.true(child.pid > 0);
  t.deepEqual(await child.exited, { code: 5, signal: null });
});

test('execute() with vfork + execve', async (t) => {
  const child = execute({ file: '/bin/sh', args: ['sh', '-c', 'kill -USR1 $$'], method: 'vfork' });
  t.deepEqual(await child.exited, { code: null, signal: 'SIGUSR1' });
});

test.serial('execute() of a missing program throws with the errno', (t) => {
  for (const method of ['posix_spawn', 'vfork'] as const) {
    const e = t.throws(() => execute({ file: '/nonexistent/prog', method }));
    t.regex(e!.message, /failed: ENOENT/);
    t.is((e as { code?: string }).code, 'WEFT_ERR_EXECUTE');
  }
  t.deepEqual(
    childrenOf(process.pid).filter((c) => c.state === 'Z'),
    [],
  );
});

test('children created with execute() and child_process coexist; each exit goes to its owner', async (t) => {
  const { spawn } = await import('node:child_process');
  const ours = Array.from({ length: 20 }, (_, i) => execute({ file: 'sh', args: ['sh', '-c', `exit ${i}`] }));
  const theirs = Array.from(
    { length: 20 },
    (_, i) => new Promise<number | null>((resolve) => spawn('sh', ['-c', `exit ${i + 20}`]).on('exit', (code) => resolve(code))),
  );
  const codes = await Promise.all(ours.map((c) => c.exited.then((s) => s.code)));
  t.deepEqual(
    codes,
    Array.from({ length: 20 }, (_, i) => i),
  );
  t.deepEqual(
    await Promise.all(theirs),
    Array.from({ length: 20 }, (_, i) => i + 20),
  );
});

test('an exit is delivered even when nobody holds the handle', async (t) => {
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  void createProcess({ file: '/bin/true' }).then((c) => c.exited.then(done));
  await finished;
  t.pass();
  await waitFor(() => childrenOf(process.pid).every((c) => c.state !== 'Z'), 5000, 'no zombies');
});
