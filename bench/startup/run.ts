// bench/startup: how fast Weft comes up and comes back, and what it costs
// idle, with one Node hello app (processes: 1), as medians of rounds:
//   - cold start: weftd spawned -> first 200 from the app's listener;
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
//     second app (no isolation) adds to the total.
// Unit's figures (issue 15, same machine kind) are printed beside them unless
// unitd is installed, in which case it is not measured either (left to do).
//
//   node dist/bench/startup/run.js [--rounds 5]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { repoRoot, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
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

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** PSS by role: main, controller, router, prototype and application (summed over apps). */
function pssByRole(server: BenchServer): Map<string, number> {
  const out = new Map<string, number>([['main', pssKb(server.pid)]]);
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
    out.set(role, (out.get(role) ?? 0) + pssKb(pid));
  }
  return out;
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

async function start(apps: number): Promise<{ server: BenchServer & { controlSocket: string }; ports: Ports; coldMs: number }> {
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
    { wait: false },
  );
  const coldMs = await until(
    t0,
    () => request({ host: '127.0.0.1', port: appPort, path: '/' }),
    (a) => a.status === 200,
  );
  return { server, ports: { app: appPort, router: extra }, coldMs };
}

const control = (server: { controlSocket: string }, method: string, p: string, body?: string): Promise<Answer> =>
  request({ socketPath: server.controlSocket, method, path: p }, body);

async function main(): Promise<void> {
  const samples = new Map<string, number[]>();
  const add = (k: string, v: number): void => void samples.set(k, [...(samples.get(k) ?? []), v]);
  const pss = new Map<string, number[]>();
  const load: number[] = [];
  for (let r = 0; r < rounds; r++) {
    load.push(Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
    const { server, ports, coldMs } = await start(1);
    try {
      add('cold start -> first response', coldMs);
      // Idle: let start-up garbage be collected the way it would be on a quiet server.
      await new Promise((res) => setTimeout(res, 1500));
      for (const [role, kb] of pssByRole(server)) pss.set(role, [...(pss.get(role) ?? []), kb]);

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
    const two = await start(2);
    try {
      await new Promise((res) => setTimeout(res, 1500));
      const byRole = pssByRole(two.server);
      pss.set('2 apps: total', [...(pss.get('2 apps: total') ?? []), [...byRole.values()].reduce((a, b) => a + b, 0)]);
    } finally {
      await two.server.stop();
    }
  }

  const unit: Record<string, string> = {
    'cold start -> first response': '290-340',
    'router kill -9 -> serving again': '',
    'PUT route -> answered': '',
  };
  const target: Record<string, string> = {
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
  console.log(`\n${rounds} rounds, load average ${load.map((l) => l.toFixed(1)).join(', ')} (2 cores, shared)\n`);
  console.log(formatTable(['ms', 'median', 'range', 'target', "Unit 1.35 (issue 15's figures)"], rows));
  const one = ['main', 'controller', 'router', 'prototype', 'application'].map((k) => median(pss.get(k) ?? [0]) / 1024);
  const total = one.reduce((a, b) => a + b, 0);
  const pssRows = ['main', 'controller', 'router', 'prototype', 'application'].map((k, i) => [k, one[i].toFixed(1)]);
  pssRows.push(['total (1 app)', total.toFixed(1)]);
  pssRows.push(['main+controller+router+app', (one[0] + one[1] + one[2] + one[4]).toFixed(1)]);
  pssRows.push(['total (2 apps)', (median(pss.get('2 apps: total') ?? [0]) / 1024).toFixed(1)]);
  pssRows.push(['Unit 1.35, 1 app (issue 15)', '18']);
  console.log(`\n${formatTable(['idle PSS, MiB (median)', 'MiB'], pssRows)}`);
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
