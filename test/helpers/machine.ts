// How busy the machine is, so that waits for real processes scale with it.
//
// A timeout in a test is a bound on "this never happens", not a speed
// requirement: on a box at load 20 on 2 cores, Node takes ten times as long
// to start and a wait tuned for an idle laptop fails for no reason. Every
// wait for processes, logs or sockets goes through `scaled()`.
import os from 'node:os';

/** Never stretch a wait more than this much: a real hang must still fail within the test's time. */
const MAX_FACTOR = 4;

/**
 * max(1, load average / cores), capped. WEFT_TEST_TIME_SCALE forces a
 * factor (e.g. 3 on a box known to be slow whatever its load says).
 */
export function slowdown(): number {
  const forced = Number(process.env.WEFT_TEST_TIME_SCALE);
  if (Number.isFinite(forced) && forced > 0) return forced;
  const cores = Math.max(1, os.cpus().length);
  return Math.min(MAX_FACTOR, Math.max(1, os.loadavg()[0] / cores));
}

/** `ms` stretched by how loaded the machine is now. */
export function scaled(ms: number): number {
  return Math.round(ms * slowdown());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** For reports: what the machine was doing while a test ran. */
export function machineLoad(): string {
  const [one, five] = os.loadavg();
  return `load ${one.toFixed(2)} (5 min ${five.toFixed(2)}) on ${os.cpus().length} cores`;
}
