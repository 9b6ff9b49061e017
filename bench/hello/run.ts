// bench/hello: the same hello-world handler (a) as a plain single-process
// Node server and (b) in Node's cluster with 2 workers, against Weft in the
// configurations users run:
//   - "unit-typical": a listener whose routes serve /static/* from files and
//     pass everything else to the app, with an access log and limits.timeout
//     (Unit's usual shape), processes: 1 and 2: the app's processes accept
//     and route themselves;
//   - "plain pass": a listener that passes straight to the app;
//   - "two apps": a listener whose route picks one of two apps by URI, one
//     process each: the router accepts, and hands each connection to the
//     app its first request is for (wrk's requests all go to one app).
// Interleaved rounds, wrk (Debian's package: apt-get install wrk) keep-alive
// with 64 and 256 connections and Connection: close with 64. Prints req/s
// medians, p99, the ratio to the plain server, and CPU per request (the whole
// process tree, from /proc; the machine's, not the load generator's).
//
//   node dist/bench/hello/run.js [--rounds 3] [--seconds 5] [--only name,...]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { treeCpuUs } from '../lib/cpu.js';
import { nodeServer, repoRoot, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';
import { requireWrk, wrk, WrkSamples } from '../lib/wrk.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, only: { type: 'string' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const appScript = path.join(repoRoot, 'bench', 'hello', 'app.js');

function getJson(socketPath: string, urlPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: urlPath }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

async function waitForProcesses(socketPath: string, app: string, wanted: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const p = (await getJson(socketPath, `/status/applications/${app}/processes`)) as { running?: number; starting?: number };
    if (p.running === wanted && p.starting === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app's ${wanted} processes did not start`);
}

async function weft(kind: 'typical' | 'plain' | 'two-apps', processes: number): Promise<BenchServer> {
  const server = await weftServer((port, dir) => {
    const listener = `127.0.0.1:${port}`;
    if (kind === 'plain') {
      return {
        listeners: { [listener]: { pass: 'applications/hello' } },
        applications: { hello: { type: 'node', script: appScript, processes } },
      };
    }
    if (kind === 'two-apps') {
      return {
        listeners: { [listener]: { pass: 'routes' } },
        routes: [{ match: { uri: '/other/*' }, action: { pass: 'applications/other' } }, { action: { pass: 'applications/hello' } }],
        applications: { hello: { type: 'node', script: appScript, processes }, other: { type: 'node', script: appScript, processes } },
      };
    }
    fs.mkdirSync(path.join(dir, 'static'));
    fs.writeFileSync(path.join(dir, 'static', 'file.txt'), 'x'.repeat(4096));
    return {
      listeners: { [listener]: { pass: 'routes' } },
      routes: [{ match: { uri: '/static/*' }, action: { share: `${dir}$uri` } }, { action: { pass: 'applications/hello' } }],
      applications: { hello: { type: 'node', script: appScript, processes, limits: { timeout: 30 } } },
      access_log: path.join(dir, 'access.log'),
    };
  });
  // Measure once every process is up: until then the first one accepts all of wrk's connections.
  await waitForProcesses(server.controlSocket, 'hello', processes);
  if (kind === 'two-apps') await waitForProcesses(server.controlSocket, 'other', processes);
  return server;
}

const loads = [
  { name: 'keep-alive c64', connections: 64, close: false },
  { name: 'keep-alive c256', connections: 256, close: false },
  { name: 'close c64', connections: 64, close: true },
];

const allScenarios: Array<{ name: string; start: () => Promise<BenchServer> }> = [
  { name: 'node http (1 process)', start: () => nodeServer(appScript) },
  { name: 'node cluster (2 workers)', start: () => nodeServer(path.join(repoRoot, 'bench', 'hello', 'cluster.js')) },
  { name: 'weft unit-typical, processes: 1', start: () => weft('typical', 1) },
  { name: 'weft unit-typical, processes: 2', start: () => weft('typical', 2) },
  { name: 'weft plain pass, processes: 1', start: () => weft('plain', 1) },
  { name: 'weft two apps (router hands over), 1 each', start: () => weft('two-apps', 1) },
];
const only = values.only?.split(',');
const scenarios = allScenarios.filter((s, i) => i === 0 || !only || only.some((o) => s.name.includes(o)));

async function main(): Promise<void> {
  requireWrk();
  const results = new WrkSamples();
  const cpu = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const s of scenarios) {
      const server = await s.start();
      try {
        const url = `http://127.0.0.1:${server.port}/`;
        // Warm-up with the most connections: the first burst of them is slow everywhere.
        wrk(url, { connections: loads[1].connections, seconds });
        for (const load of loads) {
          const key = `${s.name}|${load.name}`;
          const before = treeCpuUs(server.pid);
          const m = wrk(url, { ...load, seconds });
          const used = treeCpuUs(server.pid) - before;
          results.add(key, m);
          cpu.set(key, [...(cpu.get(key) ?? []), used / m.requests]);
        }
      } finally {
        await server.stop();
      }
    }
  }
  const rows: Array<Array<string | number>> = [];
  for (const load of loads) {
    const base = median(results.get(`${scenarios[0].name}|${load.name}`).rps);
    for (const s of scenarios) {
      const key = `${s.name}|${load.name}`;
      const e = results.get(key);
      rows.push([
        load.name,
        s.name,
        Math.round(median(e.rps)),
        (median(e.rps) / base).toFixed(2),
        median(e.p99).toFixed(2),
        median(cpu.get(key)!).toFixed(0),
        e.errors,
      ]);
    }
  }
  console.log(`hello world, wrk -t1, ${seconds} s per run, median of ${rounds} interleaved rounds, ${os.availableParallelism()} cores\n`);
  console.log(formatTable(['load', 'server', 'req/s', 'ratio', 'p99 ms', 'CPU us/req', 'errors'], rows));
}

void main();
