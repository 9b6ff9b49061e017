// Chaos: under keep-alive load, kill -9 each kind of process in turn and
// count the failed requests against what that process held; restarts and
// reconfigurations under load fail nothing. After each fault the server
// recovers on its own (main restarts what died, the pool returns to its
// size) within a bound that scales with the machine, and leaks nothing.
//
// One app "a" (processes: 2) behind two listeners: one that passes straight
// to it (direct mode: the app processes accept the connections) and one
// whose route decides (routed mode: the router holds the client connection
// and forwards each request). What a process "held" when it died:
// - an application process: the direct connections it had accepted, and
//   the routed requests it was serving (the fixture keeps that count in a
//   file; requests still queued for it are not held: they must go to
//   another process);
// - a prototype (the app given a namespace of its own for this one, so
//   that it has one): what its application processes held, if they go
//   with it;
// - the router: the client connections of the routed listener (direct
//   connections belong to the app processes and must survive it);
// - the controller: no request at all.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { census, describe, expectedShape, findByTitle, shape, tcpConnections, withTitle } from './helpers/census.js';
import type { Member } from './helpers/census.js';
import { control, put } from './helpers/control.js';
import { request } from './helpers/http.js';
import { failuresSince, startLoad } from './helpers/load.js';
import type { LoadStats } from './helpers/load.js';
import { machineLoad, scaled, sleep } from './helpers/machine.js';
import { probe } from './helpers/features.js';
import { freePort } from './helpers/ports.js';
import { isAlive } from './helpers/processes.js';
import { report } from './helpers/report.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const APPS = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const CLIENTS = 6; // per listener: 12 keep-alive connections in all
const REQUEST = '/?ms=5'; // long enough for requests to be in flight when a process dies
const RECOVERY_MS = 15000; // on an idle machine; scaled by load
const SETTLE_MS = 1000; // load kept up after recovery, to see it is served again

interface Held {
  direct: number;
  routed: number;
}

interface Row {
  scenario: string;
  failed: Held;
  kinds: Record<string, number>;
  held: Held;
  what: string;
  recoveryMs: number | null;
  requests: number;
  /** When the failures happened, ms after the fault: [first, last]. */
  failuresAt?: [number, number];
}

const rows: Row[] = [];

interface Server {
  w: Weftd;
  direct: number;
  routed: number;
  inflightDir: string;
  config: Record<string, unknown>;
  /** The tree the configuration asks for. */
  expected: Record<string, number>;
}

/**
 * With `prototype`, the app gets a UTS namespace of its own: an isolation
 * step that needs a prototype (no pid namespace: the fixture names its
 * files by pid, and the test reads them by the pids /proc shows).
 */
function baseConfig(direct: number, routed: number, inflightDir: string, generation = 0, prototype = false): Record<string, unknown> {
  return {
    listeners: {
      [`127.0.0.1:${direct}`]: { pass: 'applications/a' },
      [`127.0.0.1:${routed}`]: { pass: 'routes/main' },
    },
    routes: {
      // A pass the router resolves per request (its variable is always empty): the router stays in the path.
      main: [{ match: { uri: '*' }, action: { pass: 'applications/a$arg_weft_unused' } }],
      extra: [{ action: { return: 204 } }],
    },
    applications: {
      a: {
        type: 'node',
        script: path.join(APPS, 'inflight.js'),
        processes: 2,
        environment: { INFLIGHT_DIR: inflightDir, ROUTED_PORT: String(routed), GENERATION: String(generation) },
        ...(prototype ? { isolation: { namespaces: { uname: true } } } : {}),
      },
    },
  };
}

const EXPECTED = expectedShape({ a: 2 });
const namespaces = probe('namespaces');

// One router worker (not `auto`'s one per CPU): these tests kill "the router"
// and count every process; router workers have their own (router-workers).
const ONE_ROUTER = ['--routers', '1'];

async function serve(t: ExecutionContext, prototype = false): Promise<Server> {
  const w = await startWeftd(t, { args: ONE_ROUTER });
  const direct = await freePort();
  const routed = await freePort();
  // The app runs as nobody and writes its counts here.
  const inflightDir = tempDir(t, 'weft-inflight-');
  fs.chmodSync(inflightDir, 0o777);
  const config = baseConfig(direct, routed, inflightDir, 0, prototype);
  const expected = prototype ? expectedShape({ a: 2 }, ['a']) : EXPECTED;
  await put(w.controlPath, '/config', config);
  await waitShape(w, expected, 'the configured processes');
  return { w, direct, routed, inflightDir, config, expected };
}

async function waitShape(w: Weftd, expected: Record<string, number>, what: string, ms = RECOVERY_MS): Promise<void> {
  const deadline = Date.now() + scaled(ms);
  for (;;) {
    const members = census(w.pid);
    if (JSON.stringify(shape(members)) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: expected ${JSON.stringify(expected)}, have ${JSON.stringify(shape(members))}:\n${describe(members)}`);
    }
    await sleep(50);
  }
}

function inflight(s: Server, pid: number): Held {
  try {
    const [direct, routed] = fs
      .readFileSync(path.join(s.inflightDir, String(pid)), 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return { direct, routed };
  } catch {
    return { direct: 0, routed: 0 };
  }
}

/**
 * What an application process held when it died: the direct connections it
 * had accepted (counted just before the kill: keep-alive connections only
 * change on a failure) and the routed requests it was serving (the last
 * record it wrote, read once it is dead: requests the router wrote that it
 * never read are not counted, those must go to another process). If it is
 * still alive, it lost nothing.
 */
function heldByApp(s: Server, pid: number): () => Held {
  const direct = tcpConnections(pid, s.direct);
  return () => (isAlive(pid) ? { direct: 0, routed: 0 } : { direct, routed: inflight(s, pid).routed });
}

function startClients(s: Server) {
  return startLoad(
    [
      { group: 'direct', port: s.direct, clients: CLIENTS, path: REQUEST },
      { group: 'routed', port: s.routed, clients: CLIENTS, path: REQUEST },
    ],
    { requestTimeoutMs: scaled(10000) },
  );
}

/** A fresh connection to each listener is answered 200. */
async function serves(s: Server): Promise<boolean> {
  for (const port of [s.direct, s.routed]) {
    try {
      const r = await request({ port }, '/');
      if (r.status !== 200) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function controlAnswers(s: Server): Promise<boolean> {
  try {
    return (await control(s.w.controlPath, 'GET', '/config', undefined, 2000)).status === 200;
  } catch {
    return false;
  }
}

/**
 * Waits until the tree has the configured shape again (the dead process
 * gone and replaced), both listeners serve a new connection and the control
 * API answers; returns when that was first seen.
 */
async function recovery(s: Server, dead: number[], what: string): Promise<number> {
  const deadline = Date.now() + scaled(RECOVERY_MS);
  for (;;) {
    const members = census(s.w.pid);
    const ok =
      JSON.stringify(shape(members)) === JSON.stringify(s.expected) &&
      dead.every((p) => !isAlive(p)) &&
      (await serves(s)) &&
      (await controlAnswers(s));
    if (ok) return Date.now();
    if (Date.now() > deadline) {
      throw new Error(
        `no recovery from ${what} within ${scaled(RECOVERY_MS)} ms: expected ${JSON.stringify(s.expected)}, have ${JSON.stringify(shape(members))}:\n${describe(members)}\n${s.w.log().slice(-3000)}`,
      );
    }
    await sleep(50);
  }
}

/** Processes that were in the tree before a fault and are neither in it now nor gone: orphans. */
function orphans(before: Member[], after: Member[]): Member[] {
  const now = new Set(after.map((m) => m.pid));
  return before.filter((m) => !now.has(m.pid) && isAlive(m.pid));
}

async function warmUp(t: ExecutionContext, load: ReturnType<typeof startClients>): Promise<void> {
  await sleep(1000);
  const s = load.snapshot();
  // The harness must be sound before any fault: traffic flows, nothing fails.
  if (s.ok === 0 || s.failed !== 0) {
    const stats = await load.stop();
    t.fail(`before any fault: ${stats.ok} ok, ${stats.failed} failed ${JSON.stringify(stats.byKind)}`);
    throw new Error('unsound start');
  }
}

async function record(t: ExecutionContext, row: Row, stats: LoadStats): Promise<void> {
  row.kinds = stats.byKind;
  row.requests = stats.ok + stats.failed;
  rows.push(row);
  t.log(
    `${row.scenario}: failed direct ${row.failed.direct}, routed ${row.failed.routed} ${JSON.stringify(row.kinds)}; ` +
      `held direct ${row.held.direct}, routed ${row.held.routed} (${row.what}); ` +
      `recovery ${row.recoveryMs === null ? '-' : `${row.recoveryMs} ms`}; ${row.requests} requests; ` +
      `${row.failuresAt ? `failures ${row.failuresAt[0]}..${row.failuresAt[1]} ms after the fault; ` : ''}${machineLoad()}`,
  );
  await report('chaos', rows);
}

/**
 * One kill -9 under load. `choose` picks the victim and how to count what it
 * held: `measure` runs just before the kill and returns what completes the
 * count once the dust has settled.
 */
async function killUnderLoad(
  t: ExecutionContext,
  scenario: string,
  choose: (members: Member[]) => { victim: Member; measure: (s: Server) => () => Held; what: string },
  prototype = false,
): Promise<void> {
  const s = await serve(t, prototype);
  const load = startClients(s);
  t.teardown(() =>
    load.stop().then(
      () => undefined,
      () => undefined,
    ),
  );
  await warmUp(t, load);

  const before = census(s.w.pid);
  const { victim, measure, what } = choose(before);
  const count = measure(s);
  process.kill(victim.pid, 'SIGKILL');
  const killedAt = Date.now();
  let recoveredAt: number | null = null;
  let failure: unknown = null;
  try {
    recoveredAt = await recovery(s, [victim.pid], `kill -9 of ${victim.title} (${victim.pid})`);
    await sleep(SETTLE_MS);
  } catch (e) {
    failure = e;
  }
  const after = load.snapshot();
  const stats = await load.stop();
  const held = count();
  const failed = failuresSince(stats, 0) as unknown as Held;
  const at = stats.failures.map((f) => f.at - killedAt);
  const failuresAt: [number, number] | undefined = at.length ? [Math.min(...at), Math.max(...at)] : undefined;
  await record(
    t,
    { scenario, failed, held, what, recoveryMs: recoveredAt && recoveredAt - killedAt, kinds: {}, requests: 0, failuresAt },
    stats,
  );

  if (failure) throw failure;
  t.true(failed.direct <= held.direct, `direct clients: ${failed.direct} failed, the process held ${held.direct}`);
  t.true(failed.routed <= held.routed, `routed clients: ${failed.routed} failed, the process held ${held.routed}`);
  t.true(after.ok > 0, 'requests were served after recovery');
  const members = census(s.w.pid);
  t.deepEqual(shape(members), s.expected, describe(members));
  t.deepEqual(
    orphans(before, members).map((m) => `${m.pid} ${m.title}`),
    [],
    'no process of the old tree outlives it',
  );
  t.true(stats.maxSockets <= 2 * CLIENTS);
}

const sum = (list: Held[]): Held =>
  list.reduce((a, b) => ({ direct: a.direct + b.direct, routed: a.routed + b.routed }), { direct: 0, routed: 0 });

test.serial('kill -9 of one application process costs only what it held', async (t) => {
  await killUnderLoad(t, 'kill -9 application process', (members) => {
    const victim = withTitle(members, 'weft: "a" application')[0];
    return { victim, measure: (s) => heldByApp(s, victim.pid), what: 'its direct connections and routed requests in flight' };
  });
});

(namespaces.ok ? test.serial : test.serial.skip)(
  `kill -9 of the prototype costs at most what its application processes held${namespaces.ok ? '' : ` [skipped: ${namespaces.reason}]`}`,
  async (t) => {
    await killUnderLoad(
      t,
      'kill -9 prototype',
      (members) => {
        const victim = findByTitle(members, 'weft: "a" prototype')!;
        const children = members.filter((m) => m.ppid === victim.pid);
        return {
          victim,
          measure: (s) => {
            const counts = children.map((c) => heldByApp(s, c.pid));
            return () => sum(counts.map((c) => c()));
          },
          what: 'its application processes, if they die with it',
        };
      },
      true,
    );
  },
);

test.serial('kill -9 of the router costs only the routed connections it held; direct connections live on', async (t) => {
  await killUnderLoad(t, 'kill -9 router', (members) => {
    const victim = findByTitle(members, 'weft: router')!;
    return {
      victim,
      measure: (s) => {
        const held = { direct: tcpConnections(victim.pid, s.direct), routed: tcpConnections(victim.pid, s.routed) };
        return () => held;
      },
      what: 'the client connections of the routed listener',
    };
  });
});

test.serial('kill -9 of the controller costs no request, and the control API comes back', async (t) => {
  await killUnderLoad(t, 'kill -9 controller', (members) => {
    const victim = findByTitle(members, 'weft: controller')!;
    return { victim, measure: () => () => ({ direct: 0, routed: 0 }), what: 'no client request' };
  });
});

test.serial('an application restart under load fails no request and leaves only the new generation', async (t) => {
  const s = await serve(t);
  const load = startClients(s);
  t.teardown(() =>
    load.stop().then(
      () => undefined,
      () => undefined,
    ),
  );
  await warmUp(t, load);
  const before = census(s.w.pid);
  const oldApps = before.filter((m) => m.kind === 'prototype' || m.kind === 'application').map((m) => m.pid);
  const started = Date.now();
  const r = await control(s.w.controlPath, 'GET', '/control/applications/a/restart');
  t.is(r.status, 200, r.text);
  let done: number | null = null;
  let failure: unknown = null;
  try {
    // Recovered: the configured shape again, made only of new processes.
    const deadline = Date.now() + scaled(RECOVERY_MS);
    for (;;) {
      const members = census(s.w.pid);
      if (JSON.stringify(shape(members)) === JSON.stringify(EXPECTED) && oldApps.every((p) => !isAlive(p))) break;
      if (Date.now() > deadline) throw new Error(`the old generation is still there or the new one incomplete:\n${describe(members)}`);
      await sleep(50);
    }
    done = Date.now();
    await sleep(SETTLE_MS);
  } catch (e) {
    failure = e;
  }
  const stats = await load.stop();
  const failed = failuresSince(stats, 0) as unknown as Held;
  await record(
    t,
    {
      scenario: 'restart under load',
      failed,
      held: { direct: 0, routed: 0 },
      what: 'nothing is killed',
      recoveryMs: done && done - started,
      kinds: {},
      requests: 0,
    },
    stats,
  );
  if (failure) throw failure;
  t.deepEqual(stats.byKind, {}, 'no failed request');
  t.deepEqual(
    orphans(before, census(s.w.pid)).map((m) => `${m.pid} ${m.title}`),
    [],
  );
});

test.serial('reconfigurations under load (routes, listeners, the app itself) fail no request and leak nothing', async (t) => {
  const s = await serve(t);
  const extra = await freePort();
  const load = startClients(s);
  t.teardown(() =>
    load.stop().then(
      () => undefined,
      () => undefined,
    ),
  );
  await warmUp(t, load);
  const before = census(s.w.pid);
  const started = Date.now();
  const answers: string[] = [];
  let generation = 0;
  for (let i = 0; i < 24; i++) {
    const config = baseConfig(s.direct, s.routed, s.inflightDir, generation) as {
      listeners: Record<string, unknown>;
      routes: Record<string, unknown[]>;
    };
    switch (i % 4) {
      case 0: // a route step in front that never matches these requests
        config.routes.main.unshift({ match: { uri: `/never/${i}/*` }, action: { return: 404 } });
        break;
      case 1: // a listener added (bound by main, served by the router)
        config.listeners[`127.0.0.1:${extra}`] = { pass: 'routes/extra' };
        break;
      case 2: // and removed again
        break;
      case 3: // the app itself: a new generation
        generation++;
        (config as unknown as { applications: { a: { environment: Record<string, string> } } }).applications.a.environment.GENERATION =
          String(generation);
        break;
    }
    const r = await control(s.w.controlPath, 'PUT', '/config', JSON.stringify(config));
    if (r.status !== 200) answers.push(`${i}: ${r.status} ${r.text}`);
    await sleep(100);
  }
  let done: number | null = null;
  let failure: unknown = null;
  try {
    await waitShape(s.w, EXPECTED, 'after the reconfigurations');
    done = Date.now();
    await sleep(SETTLE_MS);
  } catch (e) {
    failure = e;
  }
  const stats = await load.stop();
  const failed = failuresSince(stats, 0) as unknown as Held;
  await record(
    t,
    {
      scenario: '24 reconfigurations under load',
      failed,
      held: { direct: 0, routed: 0 },
      what: 'nothing is killed',
      recoveryMs: done && done - started,
      kinds: {},
      requests: 0,
    },
    stats,
  );
  t.deepEqual(answers, [], 'every reconfiguration was applied');
  if (failure) throw failure;
  t.deepEqual(stats.byKind, {}, 'no failed request');
  t.deepEqual(
    orphans(before, census(s.w.pid)).map((m) => `${m.pid} ${m.title}`),
    [],
  );
});

test.serial('kill -9 of main leaves no orphan, and the next weftd starts on the same files', async (t) => {
  const s = await serve(t);
  const before = census(s.w.pid);
  process.kill(s.w.pid, 'SIGKILL');
  await s.w.exited;
  // Everything main started dies with it (PR_SET_PDEATHSIG), apps included.
  const deadline = Date.now() + scaled(10000);
  while (before.some((m) => isAlive(m.pid)) && Date.now() < deadline) await sleep(50);
  t.deepEqual(
    before.filter((m) => isAlive(m.pid)).map((m) => `${m.pid} ${m.title}`),
    [],
    'no orphan',
  );
  const again = await startWeftd(t, { dir: s.w.dir, args: ONE_ROUTER });
  t.is(Number(fs.readFileSync(again.pidPath, 'utf8').trim()), again.pid, "the pid file is the new main's");
  t.is((await control(again.controlPath, 'GET', '/config')).status, 200, 'the control socket is the new one');
  // The stored configuration comes back whole.
  await waitShape(again, EXPECTED, 'the stored configuration');
  t.true(await serves(s));
});
