// Memory and CPU of every Weft process, read from /proc: main and what it
// started (controller, router, prototypes, application processes), found as
// main's descendants and told apart by their titles ("weft: router",
// 'weft: "blog" application'). Readable by the unprivileged controller:
// /proc/<pid>/stat and status are world-readable. Processes an application
// starts itself are not Weft's and are left out.
import { Registry } from '../../../metrics/index.js';
import type { MetricsSnapshot } from '../../../metrics/index.js';
import { processTree, readProcess } from '../../../metrics/proc-stat.js';

export interface WeftProcess {
  process: string;
  app: string;
}

/** What a title says a process is, or null for a process that is not one of Weft's. */
export function classifyTitle(command: string, prefix: string): WeftProcess | null {
  if (!command.startsWith(`${prefix}: `)) return null;
  const name = command.slice(prefix.length + 2);
  const app = /^"((?:[^"\\]|\\.)*)" (prototype|application)$/.exec(name);
  if (app) return { process: app[2], app: app[1] };
  const core = /^(main|controller|router|discovery)\b/.exec(name);
  return core ? { process: core[1], app: '' } : null;
}

export function processMetrics(mainPid: number, titlePrefix: string): MetricsSnapshot {
  const r = new Registry();
  const labelNames = ['process', 'app', 'pid'];
  const rss = r.gauge({
    name: 'weft_process_resident_memory_bytes',
    unit: 'bytes',
    help: 'Resident memory of a Weft process.',
    labelNames,
  });
  const cpu = r.counter({
    name: 'weft_process_cpu_seconds_total',
    unit: 'seconds',
    help: 'User and system CPU time of a Weft process.',
    labelNames,
  });
  const start = r.gauge({
    name: 'weft_process_start_time_seconds',
    unit: 'seconds',
    help: 'Start time of a Weft process since the epoch.',
    labelNames,
  });
  for (const pid of processTree(mainPid)) {
    const p = readProcess(pid);
    const what = p && classifyTitle(p.command, titlePrefix);
    if (!p || !what) continue;
    const labels = { ...what, pid: String(pid) };
    rss.labels(labels).set(p.residentBytes);
    cpu.labels(labels).inc(p.cpuSeconds);
    start.labels(labels).set(p.startTimeSeconds);
  }
  return r.snapshot();
}
