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
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const root = path.resolve(__dirname, '..', '..', '..');
const appScript = path.join(root, 'bench', 'hello', 'app.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

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

interface Server {
  port: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function nodeServer(script: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  await waitForPort(port);
  return { port, stop: () => stopChild(child) };
}

async function weft(processes: number, routed = false): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      // Routed: through a route, so the router parses and forwards each request.
      listeners: { [`127.0.0.1:${port}`]: { pass: routed ? 'routes' : 'applications/hello' } },
      ...(routed ? { routes: [{ action: { pass: 'applications/hello' } }] } : {}),
      applications: { hello: { type: 'node', script: appScript, processes } },
    }),
  );
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'weftd'), '--no-daemon', '--config', config, '--control', `unix:${dir}/control.sock`, '--statedir', `${dir}/state`, '--pid', `${dir}/pid`, '--log', `${dir}/log`],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  // Measure once every process is up: until then the first one accepts all
  // of wrk's connections.
  await waitForProcesses(`${dir}/control.sock`, processes);
  return {
    port,
    stop: async () => {
      await stopChild(child, 'SIGQUIT');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Load {
  name: string;
  connections: number;
  close: boolean;
}

const loads: Load[] = [
  { name: 'keep-alive c64', connections: 64, close: false },
  { name: 'keep-alive c256', connections: 256, close: false },
  { name: 'close c64', connections: 64, close: true },
];

function parseLatency(text: string): number {
  const m = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(port: number, load: Load): { rps: number; p99: number; errors: number } {
  const args = ['-t1', `-c${load.connections}`, `-d${seconds}s`, '--latency'];
  if (load.close) args.push('-H', 'Connection: close');
  const out = execFileSync('wrk', [...args, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps, p99: parseLatency(out), errors: (errors ? Number(errors[1]) : 0) + (socketErrors ? Number(socketErrors[1]) + Number(socketErrors[4]) : 0) };
}

const scenarios: Array<{ name: string; start: () => Promise<Server> }> = [
  { name: 'node http (1 process)', start: () => nodeServer(appScript) },
  { name: 'node cluster (2 workers)', start: () => nodeServer(path.join(root, 'bench', 'hello', 'cluster.js')) },
  { name: 'weft processes: 1', start: () => weft(1) },
  { name: 'weft processes: 2', start: () => weft(2) },
  { name: 'weft routed, processes: 1', start: () => weft(1, true) },
];

async function main(): Promise<void> {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is needed: apt-get install wrk');
  }
  const results = new Map<string, { rps: number[]; p99: number[]; errors: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const s of scenarios) {
      const server = await s.start();
      try {
        wrk(server.port, loads[1]); // warm-up, with the most connections: the first burst of them is slow everywhere
        for (const load of loads) {
          const key = `${s.name}|${load.name}`;
          const m = wrk(server.port, load);
          const entry = results.get(key) ?? { rps: [], p99: [], errors: 0 };
          entry.rps.push(m.rps);
          entry.p99.push(m.p99);
          entry.errors += m.errors;
          results.set(key, entry);
        }
      } finally {
        await server.stop();
      }
    }
  }
  const rows: Array<Array<string | number>> = [];
  for (const load of loads) {
    const base = median(results.get(`${scenarios[0].name}|${load.name}`)!.rps);
    for (const s of scenarios) {
      const e = results.get(`${s.name}|${load.name}`)!;
      rows.push([load.name, s.name, Math.round(median(e.rps)), (median(e.rps) / base).toFixed(2), median(e.p99).toFixed(2), e.errors]);
    }
  }
  console.log(`hello world, wrk -t1, ${seconds} s per run, median of ${rounds} interleaved rounds, ${os.cpus().length} cores\n`);
  console.log(formatTable(['load', 'server', 'req/s', 'ratio', 'p99 ms', 'errors'], rows));
}

void main();
