// The kernel seen through a real weftd with test process types
// (fixtures/test-process-types.ts, loaded through WEFT_PLUGINS).
import path from 'node:path';

import test from 'ava';

import { childrenOf, commandLine, openFds, unixPeers } from './helpers/processes.js';
import { startWeftd } from './helpers/weftd.js';

const plugins = path.join(__dirname, 'fixtures', 'test-process-types.js');

function scenario(name: string): { env: Record<string, string> } {
  return { env: { WEFT_PLUGINS: plugins, WEFT_TEST_SCENARIO: name } };
}

function pidOf(main: number, title: string): number {
  const c = childrenOf(main).find((p) => p.state !== 'Z' && commandLine(p.pid) === title);
  if (!c) throw new Error(`no process titled "${title}"`);
  return c.pid;
}

test('a process type whose setup fails exits 1, and main logs why', async (t) => {
  const w = await startWeftd(t, scenario('failing'));
  const [, pid] = (await w.waitForLog(/process (\d+) exited with code 1/)) as RegExpMatchArray;
  t.regex(w.log(), new RegExp(`\\[error\\] \\d+#\\d+ failing failed to start: failing: setup failed: the failing type refuses to set up`));
  t.regex(w.log(), /test: start rejected: failing did not start/);
  t.truthy(pid);
  // The rest of the server is unharmed.
  t.deepEqual(
    childrenOf(w.pid)
      .filter((c) => c.state !== 'Z')
      .map((c) => commandLine(c.pid))
      .sort(),
    ['weft: controller', 'weft: router'],
  );
});

test('the connection matrix holds: a discovery-class process talks only to main; an app to main and the router', async (t) => {
  const w = await startWeftd(t, scenario('matrix'));
  const m = await w.waitForLog(/test: lonely (\d+) probe (\d+)/);
  const lonely = Number(m[1]);
  const probe = Number(m[2]);
  await w.waitForLog(new RegExp(`probe ${probe} peers: main,router`));
  const router = pidOf(w.pid, 'weft: router');
  const controller = pidOf(w.pid, 'weft: controller');
  t.deepEqual(unixPeers(lonely), [w.pid], 'discovery class: main only');
  t.deepEqual(
    unixPeers(probe),
    [w.pid, router].sort((a, b) => a - b),
    'app class: main and router',
  );
  t.deepEqual(
    unixPeers(controller),
    [w.pid, router].sort((a, b) => a - b),
    'controller: main and router',
  );
  t.deepEqual(
    unixPeers(router),
    [w.pid, controller, probe].sort((a, b) => a - b),
    'router: main, controller, apps',
  );
});

test('fd counts of main, router and controller do not grow across 200 start/stop cycles', async (t) => {
  const w = await startWeftd(t, scenario('cycles'));
  await w.waitForLog(/test: ready for cycles/);
  const router = pidOf(w.pid, 'weft: router');
  const controller = pidOf(w.pid, 'weft: controller');
  const before = [openFds(w.pid), openFds(router), openFds(controller)];
  const mark = w.log().length;
  w.process.kill('SIGUSR2');
  await w.waitForLog(/test: cycles done/, 120000, mark);
  const after = [openFds(w.pid), openFds(router), openFds(controller)];
  t.deepEqual(after, before);
  t.is(
    w
      .log()
      .slice(mark)
      .match(/probe started/g)?.length,
    200,
  );
  t.notRegex(w.log(), /\[alert\]/);
});

test("a process's thread pool runs tasks on other threads", async (t) => {
  const w = await startWeftd(t, scenario('threads'));
  const m = await w.waitForLog(/threads ran on: ([\d,]+)/);
  const ids = m[1].split(',').map(Number);
  t.false(ids.includes(0), 'not the main thread');
  t.true(ids.length >= 1 && ids.length <= 2, 'at most --threads (2) threads');
});
