// bench/log: what a log line costs the event loop, fs.writeSync (how Weft
// logged before) against the LogWriter thread (how it logs now), in the same
// run, as medians of rounds:
//   - per line into a regular file (the common case: a page-cache copy);
//   - into a pipe drained slowly (a container runtime or journald that
//     cannot keep up): the event loop's worst stall while 300 KB are logged,
//     and how many lines an O_NONBLOCK pipe lost (EAGAIN).
//
//   node dist/bench/log/run.js [--rounds 5]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { LogWriter } from '../../src/native/index.js';
import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const LINE = '2026/11/27 05:03:37 [info] 9265#9265 "hello" application: a log line of about a hundred bytes.\n';

type Sink = { write(line: string): void; done(): void };

const sinks: Record<string, (fd: number) => Sink & { lost(): number }> = {
  'fs.writeSync': (fd) => {
    let lost = 0;
    return {
      write: (line) => {
        try {
          fs.writeSync(fd, line);
        } catch {
          lost++;
        }
      },
      done: () => {},
      lost: () => lost,
    };
  },
  'LogWriter (thread)': (fd) => {
    const w = new LogWriter(fd);
    return { write: (line) => void w.write(line), done: () => w.close(30000), lost: () => w.stats().droppedLines + w.stats().writeErrors };
  },
};

function perLineMicros(make: (fd: number) => Sink, dir: string): number {
  const fd = fs.openSync(path.join(dir, 'file.log'), 'a');
  const sink = make(fd);
  const n = 50000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink.write(LINE);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / n;
  sink.done();
  fs.closeSync(fd);
  return micros;
}

/** 3000 lines into a pipe (a fifo) whose reader takes 4 KiB every 10 ms. */
async function slowPipe(
  make: (fd: number) => Sink & { lost(): number },
  dir: string,
  nonblocking: boolean,
): Promise<{ stallMs: number; lost: number }> {
  const fifo = path.join(dir, `log-${process.hrtime.bigint()}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('sh', ['-c', 'while dd bs=4096 count=1 status=none >/dev/null; do sleep 0.01; done < "$0"', fifo], {
    stdio: 'ignore',
  });
  // Blocking, as a log fd usually is (stderr inherited from a shell or a
  // supervisor); or O_NONBLOCK, as a pipe shared with another program can be.
  const held = fs.openSync(fifo, 'w');
  const fd = nonblocking ? fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK) : held;
  const sink = make(fd);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      for (let k = 0; k < 100 && i < 3000; k++, i++) sink.write(LINE);
      if (i < 3000) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  const lost = sink.lost();
  reader.kill('SIGKILL');
  fs.closeSync(held);
  if (fd !== held) fs.closeSync(fd);
  return { stallMs: h.max / 1e6, lost };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-log-'));
  const rows: Array<Array<string | number>> = [];
  try {
    const results: Record<string, { file: number[]; stall: number[]; lost: number[] }> = {};
    for (let r = 0; r < rounds; r++) {
      for (const [name, make] of Object.entries(sinks)) {
        const res = (results[name] ??= { file: [], stall: [], lost: [] });
        res.file.push(perLineMicros(make, dir));
        res.stall.push((await slowPipe(make, dir, false)).stallMs);
        res.lost.push((await slowPipe(make, dir, true)).lost);
      }
    }
    for (const [name, res] of Object.entries(results)) {
      rows.push([name, median(res.file).toFixed(2), median(res.stall).toFixed(1), median(res.lost)]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(formatTable(['writer', 'file: us per line', 'slow pipe: worst loop stall ms', 'O_NONBLOCK pipe: lines lost of 3000'], rows));
}

void main();
