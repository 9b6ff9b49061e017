// bench/spawn: processes per second, Weft's createProcess (CLONE_VM child on
// its own stack, from the thread pool) and execute() (posix_spawn) against
// Node's child_process.spawn (fork), in the same run, as medians of rounds.
// Also the event loop's worst stall while spawning, with a small parent and
// with a parent holding ~1 GiB (fork copies page tables; CLONE_VM does not).
//
//   node dist/bench/spawn/run.js [--rounds 5] [--count 300] [--big-mib 1024]
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createProcess, execute } from '../../src/native/index.js';
import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    count: { type: 'string', default: '300' },
    'big-mib': { type: 'string', default: '1024' },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.count);
const bigMib = Number(values['big-mib']);

type Spawner = () => Promise<unknown>;

const spawners: Record<string, Spawner> = {
  'child_process.spawn': () =>
    new Promise((resolve, reject) => {
      const c = spawn('/bin/true', [], { stdio: 'ignore' });
      c.on('exit', resolve);
      c.on('error', reject);
    }),
  'weft createProcess': () => createProcess({ file: '/bin/true', args: ['true'], fds: [null, null, null] }).then((c) => c.exited),
  'weft execute (posix_spawn)': () => execute({ file: '/bin/true', args: ['true'] }).exited,
};

async function measure(spawner: Spawner): Promise<{ perSecond: number; maxStallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const start = process.hrtime.bigint();
  // 4 in flight: the exec'd program's own start-up overlaps with the next spawn.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < count) await spawner();
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  h.disable();
  return { perSecond: count / seconds, maxStallMs: h.max / 1e6 };
}

async function scenario(label: string): Promise<Array<Array<string | number>>> {
  const results: Record<string, { rate: number[]; stall: number[] }> = {};
  for (const name of Object.keys(spawners)) results[name] = { rate: [], stall: [] };
  // Interleaved rounds, so drift of a noisy machine hits every contender alike.
  for (let r = 0; r < rounds; r++) {
    for (const [name, spawner] of Object.entries(spawners)) {
      const m = await measure(spawner);
      results[name].rate.push(m.perSecond);
      results[name].stall.push(m.maxStallMs);
    }
  }
  const base = median(results['child_process.spawn'].rate);
  return Object.entries(results).map(([name, m]) => [
    label,
    name,
    Math.round(median(m.rate)),
    (median(m.rate) / base).toFixed(2),
    median(m.stall).toFixed(1),
  ]);
}

async function main(): Promise<void> {
  const rows = await scenario(`parent ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  // Touch every page so the memory is really mapped (fork must copy its tables).
  const ballast: Buffer[] = [];
  for (let i = 0; i < bigMib / 64; i++) ballast.push(Buffer.alloc(64 * 2 ** 20, 1));
  rows.push(...(await scenario(`parent ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`)));
  console.log(`spawn /bin/true, ${count} per round, 4 in flight, median of ${rounds} interleaved rounds\n`);
  console.log(formatTable(['parent RSS', 'method', 'spawns/s', 'ratio', 'worst loop stall ms'], rows));
  ballast.length = 0;
}

void main();
