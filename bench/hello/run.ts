// bench/hello: the same hello-world handler (a) as a plain single-process
// Node server, (b) in Node's cluster with 2 workers, (c) behind Weft with
// processes: 1 and (d) processes: 2 (direct mode: the app processes accept
// the listener's connections), and (e) processes: 1 behind a route (routed
// mode: the router parses and forwards), in the same run, interleaved rounds,
// measured with wrk (Debian's package: apt-get install wrk): keep-alive with
// 64 and 256 connections, and Connection: close with 64. Prints req/s
// medians, p99 and the ratio to the plain server.
//
//   node dist/bench/hello/run.js [--rounds 3] [--seconds 5]
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { nodeServer, repoRoot, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';
import { requireWrk, wrk, WrkSamples } from '../lib/wrk.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } });
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

async function waitForProcesses(socketPath: string, wanted: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const p = (await getJson(socketPath, '/status/applications/hello/processes')) as { running?: number; starting?: number };
    if (p.running === wanted && p.starting === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app's ${wanted} processes did not start`);
}

async function weft(processes: number, routed = false): Promise<BenchServer> {
  const server = await weftServer((port) => ({
    // Routed: through a route, so the router parses and forwards each request.
    listeners: { [`127.0.0.1:${port}`]: { pass: routed ? 'routes' : 'applications/hello' } },
    ...(routed ? { routes: [{ match: { uri: '*' }, action: { pass: 'applications/hello' } }] } : {}),
    applications: { hello: { type: 'node', script: appScript, processes } },
  }));
  // Measure once every process is up: until then the first one accepts all
  // of wrk's connections.
  await waitForProcesses(server.controlSocket, processes);
  return server;
}

const loads = [
  { name: 'keep-alive c64', connections: 64, close: false },
  { name: 'keep-alive c256', connections: 256, close: false },
  { name: 'close c64', connections: 64, close: true },
];

const scenarios: Array<{ name: string; start: () => Promise<BenchServer> }> = [
  { name: 'node http (1 process)', start: () => nodeServer(appScript) },
  { name: 'node cluster (2 workers)', start: () => nodeServer(path.join(repoRoot, 'bench', 'hello', 'cluster.js')) },
  { name: 'weft processes: 1', start: () => weft(1) },
  { name: 'weft processes: 2', start: () => weft(2) },
  { name: 'weft routed, processes: 1', start: () => weft(1, true) },
];

async function main(): Promise<void> {
  requireWrk();
  const results = new WrkSamples();
  for (let r = 0; r < rounds; r++) {
    for (const s of scenarios) {
      const server = await s.start();
      try {
        const url = `http://127.0.0.1:${server.port}/`;
        // Warm-up with the most connections: the first burst of them is slow everywhere.
        wrk(url, { connections: loads[1].connections, seconds });
        for (const load of loads) results.add(`${s.name}|${load.name}`, wrk(url, { ...load, seconds }));
      } finally {
        await server.stop();
      }
    }
  }
  const rows: Array<Array<string | number>> = [];
  for (const load of loads) {
    const base = median(results.get(`${scenarios[0].name}|${load.name}`).rps);
    for (const s of scenarios) {
      const e = results.get(`${s.name}|${load.name}`);
      rows.push([load.name, s.name, Math.round(median(e.rps)), (median(e.rps) / base).toFixed(2), median(e.p99).toFixed(2), e.errors]);
    }
  }
  console.log(`hello world, wrk -t1, ${seconds} s per run, median of ${rounds} interleaved rounds, ${os.cpus().length} cores\n`);
  console.log(formatTable(['load', 'server', 'req/s', 'ratio', 'p99 ms', 'errors'], rows));
}

void main();
