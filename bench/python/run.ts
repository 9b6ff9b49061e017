// bench/python: hello world under Weft's python module against the servers
// Python users run, in the same run and interleaved rounds, with wrk
// (Debian's package), keep-alive with 64 connections:
//
//   WSGI: gunicorn (Debian's, 1 sync worker) vs Weft processes: 1 and 2
//         (the router accepts, and forwards over Weft's frames,
//         src/transport/frames/), processes: 2 with two router workers
//         (--routers 2) and processes: 1 behind a route that decides.
//   ASGI: uvicorn (Debian's, 1 worker) vs the same Weft rows.
//
// Then a 1 MiB upload and a 1 MiB download through Weft (routed), with the
// Python process's resident set before and at its peak (VmHWM): the body
// streams in 64 KiB pieces and is never held whole.
//
//   node dist/bench/python/run.js [--rounds 3] [--seconds 5] [--only wsgi|asgi]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { freePort, repoRoot, waitForPort, weftServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import { formatTable, median } from '../lib/stats.js';
import { requireWrk, wrk, WrkSamples } from '../lib/wrk.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const appDir = path.join(repoRoot, 'bench', 'python');

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A Python server of Debian's (gunicorn, uvicorn) on a free port. */
async function pythonServer(command: string, args: (port: number) => string[]): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(command, args(port), { cwd: appDir, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (e) => console.error(`${command}: ${e.message} (apt-get install gunicorn uvicorn)`));
  await waitForPort(port);
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

function getJson(options: http.RequestOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(options, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

async function waitForProcesses(socketPath: string, app: string, wanted: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const p = (await getJson({ socketPath, path: `/status/applications/${app}/processes` })) as { running?: number; starting?: number };
    if (p.running === wanted && p.starting === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app's ${wanted} processes did not start`);
}

async function weft(
  app: Record<string, unknown>,
  processes: number,
  routed = false,
  routers = 1,
): Promise<BenchServer & { controlSocket: string }> {
  const server = await weftServer(
    (port) => ({
      listeners: { [`127.0.0.1:${port}`]: { pass: routed ? 'routes' : 'applications/py' } },
      ...(routed ? { routes: [{ match: { uri: '!/nothing' }, action: { pass: 'applications/py' } }] } : {}),
      applications: { py: { type: 'python', path: appDir, processes, ...app } },
    }),
    { args: ['--routers', String(routers)] },
  );
  await waitForProcesses(server.controlSocket, 'py', processes);
  return server;
}

interface Scenario {
  name: string;
  start: () => Promise<BenchServer>;
}

const families: Array<{ name: string; baseline: Scenario; weft: Record<string, unknown> }> = [
  {
    name: 'wsgi',
    baseline: {
      name: 'gunicorn (1 sync worker)',
      start: () =>
        pythonServer('gunicorn', (port) => [
          '-w',
          '1',
          '-k',
          'sync',
          '-b',
          `127.0.0.1:${port}`,
          '--log-level',
          'warning',
          'hello_wsgi:application',
        ]),
    },
    weft: { module: 'hello_wsgi' },
  },
  {
    name: 'asgi',
    baseline: {
      name: 'uvicorn (1 worker)',
      start: () =>
        pythonServer('uvicorn', (port) => [
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--workers',
          '1',
          '--log-level',
          'warning',
          '--no-access-log',
          'hello_asgi:app',
        ]),
    },
    weft: { module: 'hello_asgi', callable: 'app' },
  },
];

async function hello(): Promise<void> {
  const results = new WrkSamples();
  const chosen = families.filter((f) => !values.only || f.name === values.only);
  const plan = chosen.map((f) => ({
    family: f.name,
    scenarios: [
      f.baseline,
      { name: 'weft processes: 1', start: () => weft(f.weft, 1) },
      { name: 'weft processes: 2', start: () => weft(f.weft, 2) },
      { name: 'weft processes: 2, --routers 2', start: () => weft(f.weft, 2, false, 2) },
      { name: 'weft behind a route, processes: 1', start: () => weft(f.weft, 1, true) },
    ] as Scenario[],
  }));
  for (let r = 0; r < rounds; r++) {
    for (const { family, scenarios } of plan) {
      for (const s of scenarios) {
        const server = await s.start();
        try {
          const url = `http://127.0.0.1:${server.port}/`;
          wrk(url, { connections: 64, seconds: 1 });
          results.add(`${family}|${s.name}`, wrk(url, { connections: 64, seconds }));
        } finally {
          await server.stop();
        }
      }
    }
  }
  const rows: Array<Array<string | number>> = [];
  for (const { family, scenarios } of plan) {
    const base = median(results.get(`${family}|${scenarios[0].name}`).rps);
    for (const s of scenarios) {
      const e = results.get(`${family}|${s.name}`);
      rows.push([family, s.name, Math.round(median(e.rps)), (median(e.rps) / base).toFixed(2), median(e.p99).toFixed(2), e.errors]);
    }
  }
  console.log(
    `hello world, keep-alive c64, wrk -t1, ${seconds} s per run, median of ${rounds} interleaved rounds, ${os.cpus().length} cores\n`,
  );
  console.log(formatTable(['protocol', 'server', 'req/s', 'ratio', 'p99 ms', 'errors'], rows));
}

/** Sends `size` bytes in 64 KiB pieces as the socket takes them. */
function upload(port: number, size: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/upload', method: 'POST', headers: { 'Content-Length': size }, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.on('error', reject);
    const piece = Buffer.alloc(65536, 120);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function download(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/download', agent: false }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
}

async function streaming(): Promise<void> {
  const server = await weft({ module: 'stream_app' }, 1, true);
  try {
    const rss = (): Promise<{ VmRSS: number; VmHWM: number }> =>
      getJson({ host: '127.0.0.1', port: server.port, path: '/rss', agent: false }) as never;
    const before = await rss();
    const up = (await upload(server.port, 1 << 20)) as { bytes: number };
    const afterUp = await rss();
    const down = await download(server.port);
    const afterDown = await rss();
    console.log('\n1 MiB through Weft (routed), python process resident set (KiB):\n');
    console.log(
      formatTable(
        ['step', 'bytes', 'VmRSS', 'VmHWM (peak)', 'peak growth'],
        [
          ['before', '', before.VmRSS, before.VmHWM, ''],
          ['1 MiB upload', up.bytes, afterUp.VmRSS, afterUp.VmHWM, afterUp.VmHWM - before.VmHWM],
          ['1 MiB download', down, afterDown.VmRSS, afterDown.VmHWM, afterDown.VmHWM - before.VmHWM],
        ],
      ),
    );
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  requireWrk();
  await hello();
  await streaming();
}

void main();
