// Running wrk (Debian's package) and reading its report.
import { execFileSync } from 'node:child_process';

export interface WrkResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  /** 99th percentile latency, ms. */
  p99: number;
  errors: number;
}

export function requireWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the benchmarks need wrk: apt-get install wrk');
  }
}

function latencyMs(text: string, percentile: string): number {
  const m = new RegExp(`^\\s+${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

export function wrk(url: string, options: { connections: number; seconds: number; close?: boolean }): WrkResult {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  if (options.close) args.push('-H', 'Connection: close');
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps,
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    p99: latencyMs(out, '99'),
    errors: (non2xx ? Number(non2xx[1]) : 0) + (socket ? Number(socket[1]) + Number(socket[4]) : 0),
  };
}

/** wrk results of several rounds, by key (scenario and contender). */
export class WrkSamples {
  #byKey = new Map<string, { rps: number[]; p99: number[]; errors: number }>();

  add(key: string, m: WrkResult): void {
    const e = this.#byKey.get(key) ?? { rps: [], p99: [], errors: 0 };
    e.rps.push(m.rps);
    e.p99.push(m.p99);
    e.errors += m.errors;
    this.#byKey.set(key, e);
  }

  get(key: string): { rps: number[]; p99: number[]; errors: number } {
    const e = this.#byKey.get(key);
    if (!e) throw new Error(`no samples for ${key}`);
    return e;
  }
}
