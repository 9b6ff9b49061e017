// Soak: thousands of reconfigurations of one weftd, mostly routes and
// listeners, some changes of the apps and some applies that fail (a port in
// use, invalid JSON, an app that crashes at start, an app that never
// listens). Nothing may accumulate: after every change of the apps the tree
// is exactly what the configuration asks for (its processes; main starts
// them itself, these apps need no prototype), and main, router and
// controller keep what they held: their fds and the malloc heap (least-squares
// slopes after a warm-up) and the JavaScript they retain (two heap
// snapshots, each after a full GC) stay flat.
//
// RSS is reported, not bounded: V8's heap grows between its major GCs by
// more than a leak of 1 KiB per change would in a whole run. Measured
// (2026-12-03, this mix, 5,000 changes): the controller's anonymous memory
// rose from 20 to 34 MB over 4,250 changes, then fell to 18 MB at one GC,
// while its [heap] stayed at 3.5 MB and the JS it retained (code aside)
// grew 7 KB from change 1,500 to 2,000; its RSS slope over 2,000 changes
// came out at 3.4, 3.8, 4.4 and -1.2 MiB per 1,000 in four runs. With
// 1 KiB per change leaked on purpose in the controller and the router,
// their RSS slopes stayed under the old bound of 4 MiB per 1,000 (negative
// in one run, 2.5 and 3.1 in another); the measures below gave 1,003 to
// 1,150 KiB per 1,000.
//
// WEFT_SOAK_ITERATIONS sets the count (CI runs the default, 2,000);
// WEFT_SOAK_SEED the mix.
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { census, describe, expectedShape, findByTitle, shape } from './helpers/census.js';
import type { Member } from './helpers/census.js';
import { control, put } from './helpers/control.js';
import { snapshotDir, snapshotFlags, snapshotOf } from './helpers/heap-snapshot.js';
import type { RetainedHeap } from './helpers/heap-snapshot.js';
import { request } from './helpers/http.js';
import { machineLoad, scaled, sleep } from './helpers/machine.js';
import { freePort } from './helpers/ports.js';
import { report } from './helpers/report.js';
import { prng, slope } from './helpers/slope.js';
import { mallocKiB } from './helpers/smaps.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const APPS = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const ITERATIONS = Number(process.env.WEFT_SOAK_ITERATIONS ?? 2000);
const SEED = Number(process.env.WEFT_SOAK_SEED ?? 11);
const SAMPLE_EVERY = 50;
/** Samples before this share of the run are warm-up (caches, JIT, first listeners). */
const WARM_UP = 0.2;
/**
 * The first heap snapshot, at this share of the run (the second at its end).
 * The malloc slope is measured before it: a snapshot leaves ~40 MB of freed
 * malloc memory in [heap], which later allocations reuse unseen.
 */
const SNAPSHOT_AT = 0.75;
/** Fitted fd growth over the whole post-warm-up run allowed per process. */
const FD_TOLERANCE = 2;
/**
 * Growth of the JS retained between the snapshots allowed per process, KiB
 * per 1,000 reconfigurations: a leak of 1 KiB per change is 1,000 here.
 * Measured: +6 to +31.
 */
const JS_KIB_PER_1000 = 256;
/**
 * [heap] slope allowed per process, KiB per 1,000 reconfigurations (a leak
 * of 1 KiB per change: 1,000). Main's and the router's rise in steps over
 * their first 1,000-2,000 changes, then level off (0-70 from change 2,000
 * to 6,000); measured 0-300 from change 400 to 1,500 at a load of 1-8 on 2
 * cores. The controller's does not move.
 */
const MALLOC_KIB_PER_1000 = 768;
/**
 * Beyond this many processes over what the config asks, stop changing apps
 * (the box matters more than the count) and go on with routes and listeners
 * only, so that their slopes are still measured; the test fails all the same.
 */
const SAFETY_MARGIN = 4;
/** The apps that never listen are the slowest iterations (a start timeout each): only a few. */
const NEVER_LISTENS_AT = new Set([Math.floor(ITERATIONS * 0.3), Math.floor(ITERATIONS * 0.8)]);

const CORE = ['main', 'weft: router', 'weft: controller'] as const;

interface Sample {
  iteration: number;
  fds: Record<string, number>;
  rssKiB: Record<string, number>;
  mallocKiB: Record<string, number>;
}

function app(script: string, processes: number): Record<string, unknown> {
  return { type: 'node', script: path.join(APPS, script), processes };
}

function coreOf(members: Member[]): Record<string, Member> {
  const out: Record<string, Member> = {};
  out.main = members[0];
  for (const title of ['weft: router', 'weft: controller']) out[title] = findByTitle(members, title)!;
  return out;
}

test('2,000 reconfigurations: the process count stays exactly what is asked, fds, malloc heap and retained JS stay flat', async (t) => {
  t.timeout(scaled(15 * 60 * 1000));
  const heapDir = snapshotDir(t);
  // (One router worker: the count asked is exact, not one per CPU.)
  const w: Weftd = await startWeftd(t, { nodeArgs: snapshotFlags(heapDir), args: ['--routers', '1'] });
  const direct = await freePort();
  const routed = await freePort();
  const extras = [await freePort(), await freePort(), await freePort()];
  // A port someone else holds: a listener there fails to apply.
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => busy.close(() => r())));
  const busyPort = (busy.address() as net.AddressInfo).port;

  const model = { a: 1, b: false };
  const asked = (): Record<string, number> => expectedShape(model.b ? { a: model.a, b: 1 } : { a: model.a });
  await put(w.controlPath, '/config', {
    listeners: {
      [`127.0.0.1:${direct}`]: { pass: 'applications/a' },
      [`127.0.0.1:${routed}`]: { pass: 'routes/main' },
    },
    routes: { main: [{ match: { uri: '*' }, action: { pass: 'applications/a' } }], extra: [{ action: { return: 204 } }] },
    applications: { a: app('hello.js', 1) },
  });

  const random = prng(SEED);
  const kinds: Record<string, number> = {};
  /** Milliseconds spent per kind of change (answer time), to see where a run's time goes. */
  const kindMs: Record<string, number> = {};
  const wrong: string[] = [];
  const mismatches: string[] = [];
  const samples: Sample[] = [];
  const listening = new Set<number>();
  let appsStopped: string | null = null;
  const started = Date.now();

  /** Waits for the tree to be what the model asks; a mismatch is recorded, not thrown, so the run goes on. */
  const settle = async (i: number): Promise<boolean> => {
    const expected = JSON.stringify(asked());
    // A retired generation with no client left goes at once; 5 s is generous.
    const deadline = Date.now() + scaled(5000);
    let members = census(w.pid);
    while (JSON.stringify(shape(members)) !== expected && Date.now() < deadline) {
      await sleep(50);
      members = census(w.pid);
    }
    if (JSON.stringify(shape(members)) === expected) return true;
    if (mismatches.length < 5)
      mismatches.push(`iteration ${i}: asked ${expected}, have ${JSON.stringify(shape(members))}:\n${describe(members)}`);
    else mismatches.push(`iteration ${i}`);
    const total = Object.values(asked()).reduce((a, b) => a + b, 0);
    if (members.length > total + SAFETY_MARGIN && !appsStopped) {
      appsStopped = `app changes stopped at iteration ${i}: ${members.length} processes where ${total} are asked`;
    }
    return false;
  };

  const sample = async (i: number): Promise<void> => {
    const core = coreOf(census(w.pid));
    samples.push({
      iteration: i,
      fds: Object.fromEntries(CORE.map((k) => [k, core[k].fds])),
      rssKiB: Object.fromEntries(CORE.map((k) => [k, core[k].rssKiB])),
      mallocKiB: Object.fromEntries(CORE.map((k) => [k, mallocKiB(core[k].pid)])),
    });
    for (const port of [direct, routed]) {
      const r = await request({ port }, '/').catch((e: Error) => ({ status: 0, text: e.message }));
      if (r.status !== 200) wrong.push(`iteration ${i}: listener ${port} answered ${r.status} ${r.text}`);
    }
  };

  const expect = async (
    i: number,
    kind: string,
    method: string,
    at: string,
    body: string | undefined,
    status: number,
    detail?: RegExp,
  ): Promise<void> => {
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const r = await control(w.controlPath, method, at, body, 60000);
    kindMs[kind] = (kindMs[kind] ?? 0) + r.ms;
    const d = (r.body as { detail?: string }).detail ?? '';
    if (r.status !== status || (detail && !detail.test(d)))
      wrong.push(`iteration ${i} (${kind}): ${method} ${at} answered ${r.status} ${r.text.slice(0, 300)}`);
  };

  /** What each core process retains, after a full GC. One at a time: each snapshot stops its process for a second or two. */
  const snapshots = async (): Promise<Record<string, RetainedHeap>> => {
    const core = coreOf(census(w.pid));
    const out: Record<string, RetainedHeap> = {};
    for (const k of CORE) out[k] = await snapshotOf(core[k].pid, heapDir);
    return out;
  };
  // On a sample (the tree settled), and with changes after it however short the run.
  const firstSnapshotAt = Math.min(ITERATIONS - 1, Math.max(1, Math.round((ITERATIONS * SNAPSHOT_AT) / SAMPLE_EVERY) * SAMPLE_EVERY));
  let heapFirst: Record<string, RetainedHeap> | undefined;

  await settle(0);
  await sample(0);
  for (let i = 1; i <= ITERATIONS; i++) {
    let r = random();
    // Once apps leak past the safety margin, app changes become route changes.
    if (appsStopped && ((r >= 0.82 && r < 0.88) || r >= 0.99)) r = 0;
    let appsChanged = false;
    if (NEVER_LISTENS_AT.has(i) && !appsStopped) {
      await expect(i, 'app that never listens', 'PUT', '/config/applications/d', JSON.stringify(app('never-listens.js', 1)), 500, /listen/);
      appsChanged = true;
    } else if (r < 0.55) {
      // Routes: a few steps in front of the pass, each new.
      const steps = Array.from({ length: 1 + (i % 4) }, (_, k) => ({ match: { uri: `/r${i}/${k}/*` }, action: { return: 200 + k } }));
      await expect(
        i,
        'routes',
        'PUT',
        '/config/routes/main',
        JSON.stringify([...steps, { match: { uri: '*' }, action: { pass: 'applications/a' } }]),
        200,
      );
    } else if (r < 0.82) {
      // A listener added or removed, on a few addresses in turn (bind, unbind, bind again).
      const port = extras[Math.floor(random() * extras.length)];
      const at = `/config/listeners/127.0.0.1:${port}`;
      if (listening.has(port)) {
        await expect(i, 'listener removed', 'DELETE', at, undefined, 200);
        listening.delete(port);
      } else {
        await expect(i, 'listener added', 'PUT', at, JSON.stringify({ pass: 'routes/extra' }), 200);
        listening.add(port);
      }
    } else if (r < 0.88) {
      appsChanged = true;
      if (random() < 0.5) {
        model.a = model.a === 1 ? 2 : 1;
        await expect(i, 'app processes 1/2', 'PUT', '/config/applications/a/processes', String(model.a), 200);
      } else if (model.b) {
        model.b = false;
        await expect(i, 'app removed', 'DELETE', '/config/applications/b', undefined, 200);
      } else {
        model.b = true;
        await expect(i, 'app added', 'PUT', '/config/applications/b', JSON.stringify(app('hello.js', 1)), 200);
      }
    } else if (r < 0.93) {
      await expect(
        i,
        'port in use',
        'PUT',
        `/config/listeners/127.0.0.1:${busyPort}`,
        JSON.stringify({ pass: 'routes/extra' }),
        500,
        /EADDRINUSE/,
      );
    } else if (r < 0.99) {
      await expect(i, 'invalid JSON', 'PUT', '/config/routes/main', '[{"action": {"return": 200}', 400);
    } else {
      await expect(
        i,
        'app that crashes at start',
        'PUT',
        '/config/applications/c',
        JSON.stringify(app('fails-at-start.js', 1)),
        500,
        /failed to start/,
      );
      appsChanged = true;
    }
    if (appsChanged) await settle(i);
    if (i % SAMPLE_EVERY === 0) {
      if (!appsChanged && !appsStopped) await settle(i);
      await sample(i);
    }
    if (i === firstSnapshotAt) heapFirst = await snapshots();
  }
  const heapLast = await snapshots();
  const seconds = (Date.now() - started) / 1000;
  const done = samples[samples.length - 1].iteration;

  // Slopes after warm-up, per 1,000 reconfigurations: fds to the end; memory until the first snapshot.
  const after = samples.filter((s) => s.iteration >= done * WARM_UP);
  const before = after.filter((s) => s.iteration <= firstSnapshotAt);
  const per1000 = (n: number): number => (n / (ITERATIONS - firstSnapshotAt)) * 1000;
  const trend = (of: (s: Sample) => number, list: Sample[]): string =>
    `${of(samples[0])} -> ${of(after[0])} -> ${of(list[list.length - 1])}`;
  const slopes = Object.fromEntries(
    CORE.map((k) => [
      k,
      {
        fdsPer1000: slope(after.map((s) => [s.iteration, s.fds[k]])) * 1000,
        mallocKiBPer1000: slope(before.map((s) => [s.iteration, s.mallocKiB[k]])) * 1000,
        jsKiBPer1000: heapFirst ? per1000((heapLast[k].bytes - heapFirst[k].bytes) / 1024) : NaN,
        rssKiBPer1000: slope(before.map((s) => [s.iteration, s.rssKiB[k]])) * 1000,
        fds: trend((s) => s.fds[k], after),
        mallocKiB: trend((s) => s.mallocKiB[k], before),
        js: `${heapFirst?.[k].bytes} -> ${heapLast[k].bytes} bytes (code ${heapFirst?.[k].codeBytes} -> ${heapLast[k].codeBytes})`,
        rssKiB: trend((s) => s.rssKiB[k], before),
      },
    ]),
  );
  const summary = {
    iterations: done,
    seconds: Math.round(seconds),
    kinds,
    kindMs,
    slopes,
    mismatches: mismatches.length,
    appsStopped,
    load: machineLoad(),
  };
  t.log(JSON.stringify(summary, null, 2));
  await report('soak', { ...summary, samples });

  t.deepEqual(mismatches, [], 'after every change of the apps, exactly the processes the configuration asks for');
  t.deepEqual(wrong, [], 'every answer as expected, every listener serving');
  t.is(appsStopped, null);
  t.is(done, ITERATIONS);
  // Resources held on EventEmitters leak too; Node says so on stderr, which is the log.
  const warnings = w
    .log()
    .split('\n')
    .filter((l) => /MaxListenersExceededWarning|\[alert\]/.test(l));
  t.deepEqual(warnings.slice(0, 5), [], 'no alert and no listener leak warning in the log');
  const span = done - done * WARM_UP;
  for (const k of CORE) {
    const s = slopes[k];
    t.true(Math.abs(s.fdsPer1000 * span) / 1000 <= FD_TOLERANCE, `${k}: fds ${s.fds}, slope ${s.fdsPer1000.toFixed(2)} per 1000`);
    t.true(
      s.mallocKiBPer1000 <= MALLOC_KIB_PER_1000,
      `${k}: malloc [heap] ${s.mallocKiB} KiB, slope ${s.mallocKiBPer1000.toFixed(0)} KiB per 1000`,
    );
    t.true(s.jsKiBPer1000 <= JS_KIB_PER_1000, `${k}: retained JS ${s.js}, ${s.jsKiBPer1000.toFixed(0)} KiB per 1000`);
  }
});

test('an empty configuration after app reconfigurations gives back every fd the first configuration took', async (t) => {
  const w = await startWeftd(t);
  const before = coreOf(census(w.pid));
  const port = await freePort();
  for (let i = 0; i < 6; i++) {
    await put(w.controlPath, '/config', {
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/a' } },
      applications: { a: app('hello.js', 1 + (i % 2)) },
    });
  }
  await put(w.controlPath, '/config', { listeners: {}, applications: {} });
  const deadline = Date.now() + scaled(10000);
  let members = census(w.pid);
  const core = JSON.stringify(expectedShape({}));
  // The processes go first; main closes what it held of them (channel, exit watch) as it handles each exit,
  // which on a loaded box comes a little later: wait for that too (a leak never settles).
  const settled = (m: Member[]): boolean => {
    if (JSON.stringify(shape(m)) !== core) return false;
    const now = coreOf(m);
    return CORE.every((k) => now[k].fds === before[k].fds);
  };
  while (!settled(members) && Date.now() < deadline) {
    await sleep(50);
    members = census(w.pid);
  }
  t.is(JSON.stringify(shape(members)), core, describe(members));
  const now = coreOf(members);
  for (const k of CORE) {
    const fds = (m: Member): string => `${m.fds}`;
    t.is(fds(now[k]), fds(before[k]), `${k}: fds before the first configuration and after the empty one`);
  }
});
