// bench/static: requests per second for a 4 KiB and a 1 MiB file, Weft's
// share handler against a plain Node server that streams each file with
// fs.createReadStream (the baseline) and one that holds the bytes in memory
// (the ceiling of a Node server), all started in the same run, measured in
// interleaved rounds, medians reported. Servers and the load generator are
// separate processes, pinned to different cores when taskset exists. Also
// checks that each server sends the right bytes, and how soon the share
// serves a file changed on disk.
//
//   node dist/bench/static/run.js [--rounds 3] [--seconds 5] [--warmup 1]
//     [--small-connections 64] [--large-connections 256] [--client raw|agent] [--no-pin]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'small-connections': { type: 'string', default: '64' },
    'large-connections': { type: 'string', default: '256' },
    client: { type: 'string', default: 'raw' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);

const SERVERS = ['stream', 'memory', 'share', 'share-1s'] as const;
type ServerMode = (typeof SERVERS)[number];
const FILES = [
  { name: 'small.bin', label: '4 KiB', size: 4 * 1024, connections: Number(values['small-connections']) },
  { name: 'large.bin', label: '1 MiB', size: 1024 * 1024, connections: Number(values['large-connections']) },
];

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const pin = !values['no-pin'] && os.availableParallelism() >= 2 && hasTaskset();

/** node SCRIPT ARGS, on the given core when pinning. */
function node(script: string, args: string[], core: number): ChildProcess {
  const argv = [process.execPath, path.join(__dirname, script), ...args];
  const [file, ...rest] = pin ? ['taskset', '-c', String(core), ...argv] : argv;
  return spawn(file, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited ${code}`)));
  });
}

function fetch(port: number, target: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-static-'));
  const children: ChildProcess[] = [];
  try {
    const contents = new Map<string, Buffer>();
    for (const f of FILES) {
      contents.set(f.name, randomBytes(f.size));
      fs.writeFileSync(path.join(root, f.name), contents.get(f.name)!);
    }
    fs.writeFileSync(path.join(root, 'fresh.txt'), 'before');

    const ports = {} as Record<ServerMode, number>;
    for (const mode of SERVERS) {
      const child = node('server.js', [mode, root], 0);
      children.push(child);
      ports[mode] = Number(await firstLine(child));
    }
    for (const mode of SERVERS) {
      for (const f of FILES) {
        if (!(await fetch(ports[mode], `/${f.name}`)).equals(contents.get(f.name)!))
          throw new Error(`${mode} sent wrong bytes for ${f.name}`);
      }
    }

    // Freshness: the share caches; a change must show within a second.
    await fetch(ports.share, '/fresh.txt');
    fs.writeFileSync(path.join(root, 'fresh.txt'), 'after, and longer');
    const changedAt = Date.now();
    while ((await fetch(ports.share, '/fresh.txt')).toString() !== 'after, and longer') {
      if (Date.now() - changedAt > 5000) throw new Error('the share never served the changed file');
      await sleep(20);
    }
    const freshMs = Date.now() - changedAt;

    const results = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const f of FILES) {
        // Rotate the order each round so that no server always runs first.
        const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length]);
        for (const mode of order) {
          const load = node(
            'load.js',
            [String(ports[mode]), `/${f.name}`, String(f.connections), String(seconds), String(warmup), values.client!],
            1,
          );
          const r = JSON.parse(await firstLine(load)) as { perSecond: number; errors: number };
          if (r.errors > 0) process.stderr.write(`warning: ${mode} ${f.label}: ${r.errors} errors\n`);
          const key = `${mode} ${f.name}`;
          results.set(key, [...(results.get(key) ?? []), r.perSecond]);
          process.stderr.write(`round ${round + 1}/${rounds} ${f.label} c${f.connections} ${mode}: ${Math.round(r.perSecond)} req/s\n`);
        }
      }
    }

    const rows = FILES.map((f) => {
      const m = (mode: ServerMode): number => median(results.get(`${mode} ${f.name}`)!);
      return [
        `${f.label}, keep-alive c${f.connections}`,
        Math.round(m('stream')),
        Math.round(m('memory')),
        Math.round(m('share')),
        Math.round(m('share-1s')),
        (m('share') / m('share-1s')).toFixed(2),
        (m('share') / m('stream')).toFixed(2),
        (m('share') / m('memory')).toFixed(2),
      ];
    });
    process.stdout.write(
      `static files, ${values.client} client, ${rounds} rounds of ${seconds} s, medians (req/s); ${pin ? 'servers on core 0, load on core 1' : 'not pinned'}\n`,
    );
    process.stdout.write(
      `${formatTable(['file', 'createReadStream', 'in memory', 'weft share (stat per request)', 'share, 1 s trust', 'stat cost', 'share / stream', 'share / memory'], rows)}\n`,
    );
    process.stdout.write(`a file changed on disk was served fresh after ${freshMs} ms\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
