// bench/startup: how fast Weft comes up and comes back, and what it costs
// idle, with one Node hello app (processes: 1), as medians of rounds:
//   - cold start: weftd spawned -> first 200 from the app's listener, once
//     with an empty state dir (the first start), then in each round with
//     the state dir the previous start left (a restart);
//   - router respawn: kill -9 of the router -> first 200 on a listener the
//     router accepts (a `return`), the connection queued meanwhile on the
//     socket main keeps;
//   - controller respawn: kill -9 of the controller -> GET /config answered;
//   - app restart: GET /control/applications/hello/restart answered (it
//     answers once the new generation serves);
//   - reconfiguration: PUT of a route's return status answered (it answers
//     once the router applied it) and the new status served, first on the
//     respawned controller, then once more;
//   - idle PSS (/proc/<pid>/smaps_rollup) of every process, and what a
//     second app (no isolation) adds to the total; beside it each one's
//     private memory (USS: what it alone holds; PSS also shares out the
//     pages of the node binary among every Node process on the machine,
//     so it moves with what else runs) and a bare Node process's, measured
//     at the same moment. Twice: 1.5 s after the first response (just
//     started), and after 15 s idle, once V8's memory reducer (it starts
//     8 s after the last garbage collection of a process gone quiet) has
//     given back what the start left: the footprint of a server that
//     waits for traffic.
// A start whose build's schema code does not fit the plugins found here
// compiles the schema (run `node scripts/prebuild-schema.js` after tsc);
// the bench says so when that happened.
// Unit's figures (issue 15, same machine kind) are printed beside them unless
// unitd is installed, in which case it is not measured either (left to do).
//
// Weftd runs with `--routers 1` unless told (issue 15's shape: main, the
// controller, one router and the app; `auto`, the default, runs a router
// per CPU here, since the `return` listener is the routers' own, and a
// router "respawn" is then the other worker answering at once).
//
//   node dist/bench/startup/run.js [--rounds 5] [--routers 1|N|auto]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { repoRoot, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, routers: { type: 'string', default: '1' } } });
const rounds = Number(values.rounds);
const appScript = path.join(repoRoot, 'bench', 'hello', 'app.js');

interface Answer {
  status: number;
  body: string;
}

function request(options: http.RequestOptions, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `ok` holds for an answer; returns when it did (ms since `t0`). */
async function until(t0: bigint, ask: () => Promise<Answer>, ok: (a: Answer) => boolean): Promise<number> {
  for (let i = 0; i < 20000; i++) {
    const a = await ask().catch(() => undefined);
    if (a && ok(a)) return Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('never answered');
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function title(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** When idle memory is measured: just started, and after V8's memory reducer ran (cumulative waits). */
const IDLE_MOMENTS: ReadonlyArray<[string, number]> = [
  ['1.5 s', 1500],
  ['15 s', 13500],
];

interface Memory {
  pss: number;
  /** Private_Clean + Private_Dirty (USS). */
  uss: number;
}

function memoryKb(pid: number): Memory {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { pss: field('Pss'), uss: field('Private_Clean') + field('Private_Dirty') };
  } catch {
    return { pss: 0, uss: 0 };
  }
}

/** Memory by role: main, controller, router, prototype and application (summed over apps). */
function memoryByRole(server: BenchServer): Map<string, Memory> {
  const out = new Map<string, Memory>([['main', memoryKb(server.pid)]]);
  for (const pid of descendants(server.pid)) {
    const t = title(pid);
    const role = /router/.test(t)
      ? 'router'
      : /controller/.test(t)
        ? 'controller'
        : /prototype/.test(t)
          ? 'prototype'
          : /application/.test(t)
            ? 'application'
            : t.slice(0, 20);
    const m = memoryKb(pid);
    const sum = out.get(role) ?? { pss: 0, uss: 0 };
    out.set(role, { pss: sum.pss + m.pss, uss: sum.uss + m.uss });
  }
  return out;
}

/** A bare Node process's memory, idle, measured now (the floor each Node process of Weft starts from). */
async function bareNode(): Promise<Memory> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const m = memoryKb(child.pid!);
  child.kill();
  return m;
}

/** Whether main had to compile the schema (its state dir keeps the code then). */
function compiledAtStart(stateDir: string): boolean {
  const kept = path.join(stateDir, 'schema-cache');
  return fs.existsSync(kept) && fs.readdirSync(kept).some((n) => n.endsWith('.js'));
}

function pidOf(server: BenchServer, pattern: RegExp): number {
  const pid = descendants(server.pid).find((p) => pattern.test(title(p)));
  if (pid === undefined) throw new Error(`no process matches ${pattern}`);
  return pid;
}

interface Ports {
  app: number;
  router: number;
}

function config(apps: number): (port: number, dir: string, extra: number) => unknown {
  return (port, _dir, extra) => {
    const applications: Record<string, unknown> = {};
    const listeners: Record<string, unknown> = {
      [`127.0.0.1:${port}`]: { pass: 'applications/hello' },
      // Reaches no application: the router accepts it.
      [`127.0.0.1:${extra}`]: { pass: 'routes/answer' },
    };
    for (let i = 0; i < apps; i++) {
      const name = i === 0 ? 'hello' : `hello${i}`;
      applications[name] = { type: 'node', script: appScript, processes: 1 };
      if (i > 0) listeners[`127.0.0.1:${extra + i}`] = { pass: `applications/${name}` };
    }
    return { listeners, routes: { answer: [{ action: { return: 200 } }] }, applications };
  };
}

async function start(
  apps: number,
  stateDir: string,
): Promise<{ server: BenchServer & { controlSocket: string; dir: string }; ports: Ports; coldMs: number }> {
  // Ports for the extra listeners: the bench's free-port helper gives one per call.
  const { freePort } = await import('../lib/servers.js');
  const extra = await freePort();
  for (let i = 1; i < apps; i++) await freePort();
  let appPort = 0;
  const t0 = process.hrtime.bigint();
  const server = await weftServer(
    (port, dir) => {
      appPort = port;
      return config(apps)(port, dir, extra);
    },
    { wait: false, stateDir, args: ['--routers', values.routers!] },
  );
  let coldMs: number;
  try {
    coldMs = await until(
      t0,
      () => request({ host: '127.0.0.1', port: appPort, path: '/' }),
      (a) => a.status === 200,
    );
  } catch (e) {
    // (A port another program took meanwhile, say: nothing of this start is left behind.)
    await server.stop();
    throw e;
  }
  return { server, ports: { app: appPort, router: extra }, coldMs };
}

const control = (server: { controlSocket: string }, method: string, p: string, body?: string): Promise<Answer> =>
  request({ socketPath: server.controlSocket, method, path: p }, body);

async function main(): Promise<void> {
  const samples = new Map<string, number[]>();
  const add = (k: string, v: number): void => void samples.set(k, [...(samples.get(k) ?? []), v]);
  const pss = new Map<string, number[]>();
  const uss = new Map<string, number[]>();
  const addMemory = (role: string, m: Memory): void => {
    pss.set(role, [...(pss.get(role) ?? []), m.pss]);
    uss.set(role, [...(uss.get(role) ?? []), m.uss]);
  };
  const load: number[] = [];
  let compiled = false;
  const stateDirs: string[] = [];
  // Each round's goes even when the round fails.
  process.once('exit', () => stateDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  for (let r = 0; r < rounds; r++) {
    load.push(Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
    // Each round starts with an empty state dir (a first start), then
    // starts again with what that start left there, as a restarted server
    // does (the stored configuration, what discovery learnt, a schema
    // compiled because the build's did not fit).
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-state-'));
    fs.chmodSync(stateDir, 0o755);
    stateDirs.push(stateDir);
    const first = await start(1, stateDir);
    await first.server.stop();
    add('first start (empty state dir) -> first response', first.coldMs);
    compiled ||= compiledAtStart(stateDir);
    const { server, ports, coldMs } = await start(1, stateDir);
    try {
      add('cold start -> first response', coldMs);
      for (const [moment, ms] of IDLE_MOMENTS) {
        await new Promise((res) => setTimeout(res, ms));
        const bare = bareNode();
        const byRole = memoryByRole(server);
        for (const role of ['main', 'controller', 'router', 'prototype', 'application'])
          addMemory(`${moment}|${role}`, byRole.get(role) ?? { pss: 0, uss: 0 });
        addMemory(`${moment}|bare node`, await bare);
      }

      const routerAt = { host: '127.0.0.1', port: ports.router, path: '/' };
      await until(
        process.hrtime.bigint(),
        () => request(routerAt),
        (a) => a.status === 200,
      );
      let t0 = process.hrtime.bigint();
      process.kill(pidOf(server, /: router/), 'SIGKILL');
      add(
        'router kill -9 -> serving again',
        await until(
          t0,
          () => request(routerAt),
          (a) => a.status === 200,
        ),
      );

      t0 = process.hrtime.bigint();
      process.kill(pidOf(server, /: controller/), 'SIGKILL');
      add(
        'controller kill -9 -> API answers',
        await until(
          t0,
          () => control(server, 'GET', '/config'),
          (a) => a.status === 200,
        ),
      );

      t0 = process.hrtime.bigint();
      const restarted = await control(server, 'GET', '/control/applications/hello/restart');
      if (restarted.status !== 200) throw new Error(`restart: ${restarted.status} ${restarted.body}`);
      add('app restart -> new generation serves', Number(process.hrtime.bigint() - t0) / 1e6);

      // The first change a (new) controller validates, then one more: the steady state.
      for (const [status, label] of [
        [204, 'PUT route, new controller'],
        [200, 'PUT route'],
      ] as const) {
        t0 = process.hrtime.bigint();
        const put = await control(server, 'PUT', '/config/routes/answer/0/action/return', String(status));
        if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.body}`);
        add(`${label} -> answered`, Number(process.hrtime.bigint() - t0) / 1e6);
        add(
          `${label} -> new status served`,
          await until(
            t0,
            () => request(routerAt),
            (a) => a.status === status,
          ),
        );
      }
    } finally {
      await server.stop();
    }
    const two = await start(2, stateDir);
    try {
      for (const [moment, ms] of IDLE_MOMENTS) {
        await new Promise((res) => setTimeout(res, ms));
        const byRole = memoryByRole(two.server);
        addMemory(
          `${moment}|2 apps: total`,
          [...byRole.values()].reduce((a, b) => ({ pss: a.pss + b.pss, uss: a.uss + b.uss }), { pss: 0, uss: 0 }),
        );
      }
    } finally {
      await two.server.stop();
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  }

  const unit: Record<string, string> = {
    'first start (empty state dir) -> first response': '290-340',
    'cold start -> first response': '290-340',
    'router kill -9 -> serving again': '',
    'PUT route -> answered': '',
  };
  const target: Record<string, string> = {
    'first start (empty state dir) -> first response': '<= 500',
    'cold start -> first response': '<= 500',
    'router kill -9 -> serving again': '<= 300',
    'controller kill -9 -> API answers': '<= 300',
    'app restart -> new generation serves': '<= 300',
    'PUT route, new controller -> answered': '<= 50',
    'PUT route -> answered': '<= 50',
  };
  const rows = [...samples].map(([k, v]) => [
    k,
    median(v).toFixed(0),
    `${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)}`,
    target[k] ?? '',
    unit[k] ?? '',
  ]);
  console.log(
    `\n${rounds} rounds, --routers ${values.routers}, load average ${load.map((l) => l.toFixed(1)).join(', ')} (2 cores, shared)\n`,
  );
  if (compiled) {
    console.log(
      'NOTE: the first start compiled the configuration schema: dist/schema-cache does not fit the plugins found here ' +
        '(run `node scripts/prebuild-schema.js` after tsc to measure what an installed build does at its first start).\n',
    );
  }
  console.log(formatTable(['ms', 'median', 'range', 'target', "Unit 1.35 (issue 15's figures)"], rows));
  const roles = ['main', 'controller', 'router', 'prototype', 'application'];
  const four = ['main', 'controller', 'router', 'application'];
  const mib = (m: Map<string, number[]>, k: string): number => median(m.get(k) ?? [0]) / 1024;
  // One PSS and one USS column per moment.
  const cells = (value: (m: Map<string, number[]>, moment: string) => number): string[] =>
    IDLE_MOMENTS.flatMap(([moment]) => [value(pss, moment).toFixed(1), value(uss, moment).toFixed(1)]);
  const sumOf = (m: Map<string, number[]>, moment: string, keys: string[]): number =>
    keys.reduce((a, k) => a + mib(m, `${moment}|${k}`), 0);
  const memRows = roles.map((k) => [k, ...cells((m, moment) => mib(m, `${moment}|${k}`))]);
  memRows.push(['total (1 app)', ...cells((m, moment) => sumOf(m, moment, roles))]);
  memRows.push(['main+controller+router+app (target <= 45 PSS)', ...cells((m, moment) => sumOf(m, moment, four))]);
  memRows.push(['total (2 apps)', ...cells((m, moment) => mib(m, `${moment}|2 apps: total`))]);
  memRows.push(['2nd app adds', ...cells((m, moment) => mib(m, `${moment}|2 apps: total`) - sumOf(m, moment, roles))]);
  memRows.push(['a bare Node process, idle', ...cells((m, moment) => mib(m, `${moment}|bare node`))]);
  memRows.push(['Unit 1.35, 1 app (issue 15)', ...IDLE_MOMENTS.flatMap(() => ['18', ''])]);
  const heads = IDLE_MOMENTS.flatMap(([moment]) => [`PSS ${moment}`, `USS ${moment}`]);
  console.log(`\n${formatTable(['idle memory, MiB (median)', ...heads], memRows)}`);
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
