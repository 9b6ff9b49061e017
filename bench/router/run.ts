// bench/router: the router's own work against a plain Node server doing the
// same in the same run: "return 200", a 4 KiB static file, a 1 MiB static
// file, and proxying to an upstream. wrk -t1, interleaved rounds, medians.
// nginx (one worker) joins the return and static scenarios when installed;
// Weft runs with one router worker (--routers 1) and as started by default
// (--routers auto: one worker per CPU for these router-accepted listeners).
//
//   node dist/bench/router/run.js [--rounds 3] [--seconds 5] [--only scenario,...]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { findNginx, nginxServer } from '../lib/nginx.js';
import { nodeServer, repoRoot, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';
import { requireWrk, wrk, WrkSamples } from '../lib/wrk.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, only: { type: 'string' } },
});
const only = values.only?.split(',');
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const baselines = path.join(repoRoot, 'bench', 'router', 'baselines.js');

interface Contender {
  name: string;
  start: () => Promise<BenchServer>;
}

interface Scenario {
  name: string;
  path: string;
  connections: number;
  contenders: Contender[];
}

async function main(): Promise<void> {
  requireWrk();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-files-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'small.bin'), Buffer.alloc(4096, 7));
  fs.writeFileSync(path.join(dir, 'large.bin'), Buffer.alloc(1024 * 1024, 7));
  fs.chmodSync(path.join(dir, 'small.bin'), 0o644);
  fs.chmodSync(path.join(dir, 'large.bin'), 0o644);
  const upstream = await nodeServer(baselines, { MODE: 'upstream' });
  const nginx = findNginx() !== null;
  if (!nginx) console.log('nginx is not installed (apt-get install nginx-light): its rows are left out.');

  const weftWith = (route: unknown, routers?: number) => () =>
    weftServer((port) => ({ listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } }, routes: [route] }), {
      args: routers === undefined ? [] : ['--routers', String(routers)],
    });
  const perCpu = `${Math.min(os.availableParallelism(), 16)} workers`;
  const scenarios: Scenario[] = [
    {
      name: 'return 200',
      path: '/',
      connections: 64,
      contenders: [
        { name: 'node http', start: () => nodeServer(baselines, { MODE: 'return' }) },
        { name: 'weft, --routers 1', start: weftWith({ action: { return: 200 } }, 1) },
        { name: `weft, default (${perCpu})`, start: weftWith({ action: { return: 200 } }) },
        ...(nginx ? [{ name: 'nginx (1 worker)', start: () => nginxServer({ return: 200 }) }] : []),
      ],
    },
    ...(['small', 'large'] as const).map((size) => ({
      name: size === 'small' ? 'static 4 KiB' : 'static 1 MiB',
      path: `/${size}.bin`,
      connections: size === 'small' ? 64 : 256,
      contenders: [
        { name: 'node createReadStream', start: () => nodeServer(baselines, { MODE: 'stream', FILE: path.join(dir, `${size}.bin`) }) },
        { name: 'node from memory', start: () => nodeServer(baselines, { MODE: 'memory', FILE: path.join(dir, `${size}.bin`) }) },
        { name: 'weft share, --routers 1', start: weftWith({ action: { share: `${dir}$uri` } }, 1) },
        { name: `weft share, default (${perCpu})`, start: weftWith({ action: { share: `${dir}$uri` } }) },
        ...(nginx ? [{ name: 'nginx (1 worker)', start: () => nginxServer({ root: dir }) }] : []),
      ],
    })),
    {
      name: 'proxy',
      path: '/',
      connections: 64,
      contenders: [
        { name: 'node proxy', start: () => nodeServer(baselines, { MODE: 'proxy', UPSTREAM: String(upstream.port) }) },
        { name: 'weft proxy, --routers 1', start: weftWith({ action: { proxy: `http://127.0.0.1:${upstream.port}` } }, 1) },
        { name: `weft proxy, default (${perCpu})`, start: weftWith({ action: { proxy: `http://127.0.0.1:${upstream.port}` } }) },
      ],
    },
  ];

  const chosen = scenarios.filter((s) => !only || only.some((o) => s.name.includes(o)));
  const results = new WrkSamples();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const s of chosen) {
        for (const c of s.contenders) {
          const server = await c.start();
          try {
            const url = `http://127.0.0.1:${server.port}${s.path}`;
            wrk(url, { connections: s.connections, seconds: 1 });
            const m = wrk(url, { connections: s.connections, seconds });
            results.add(`${s.name}|${c.name}`, m);
          } finally {
            await server.stop();
          }
        }
      }
    }
  } finally {
    await upstream.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rows: Array<Array<string | number>> = [];
  for (const s of chosen) {
    const base = median(results.get(`${s.name}|${s.contenders[0].name}`).rps);
    for (const c of s.contenders) {
      const e = results.get(`${s.name}|${c.name}`);
      rows.push([
        `${s.name} (c${s.connections})`,
        c.name,
        Math.round(median(e.rps)),
        (median(e.rps) / base).toFixed(2),
        median(e.p99).toFixed(2),
        e.errors,
      ]);
    }
  }
  console.log(`wrk -t1, keep-alive, ${seconds} s per run, median of ${rounds} interleaved rounds, ${os.cpus().length} cores\n`);
  console.log(formatTable(['scenario', 'server', 'req/s', 'ratio', 'p99 ms', 'errors'], rows));
}

void main();
