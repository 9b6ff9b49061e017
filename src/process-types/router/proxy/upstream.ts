// An upstream group: weighted round robin over its servers (the smooth
// variant nginx and Unit use, so weights interleave instead of bursting);
// a server that fails to connect is skipped for a while.
import { ErrorCodes, WeftError } from '../../../errors.js';
import { ConnectionPool } from './connection-pool.js';
import type { ProxyTarget } from './proxy-target.js';

const DOWN_MS = 10000;

interface Server {
  target: ProxyTarget;
  weight: number;
  current: number;
  downUntil: number;
}

export class Upstream {
  readonly name: string;
  #servers: Server[];

  constructor(name: string, servers: Record<string, { weight?: number }>) {
    this.name = name;
    this.#servers = Object.entries(servers).map(([address, s]) => ({
      target: targetFor(address),
      weight: s.weight ?? 1,
      current: 0,
      downUntil: 0,
    }));
  }

  get size(): number {
    return this.#servers.length;
  }

  /** The next server, skipping those marked down (unless all are). */
  pick(exclude: ReadonlySet<ProxyTarget> = new Set()): ProxyTarget | undefined {
    const now = Date.now();
    let candidates = this.#servers.filter((s) => s.weight > 0 && !exclude.has(s.target) && s.downUntil <= now);
    if (candidates.length === 0) candidates = this.#servers.filter((s) => s.weight > 0 && !exclude.has(s.target));
    if (candidates.length === 0) return undefined;
    let total = 0;
    let best: Server | undefined;
    for (const s of candidates) {
      s.current += s.weight;
      total += s.weight;
      if (!best || s.current > best.current) best = s;
    }
    best!.current -= total;
    return best!.target;
  }

  /** A connection to this server failed. */
  failed(target: ProxyTarget): void {
    const s = this.#servers.find((x) => x.target === target);
    if (s) s.downUntil = Date.now() + DOWN_MS;
  }

  close(): void {
    for (const s of this.#servers) s.target.pool.close();
  }
}

function targetFor(address: string): ProxyTarget {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) throw new WeftError(ErrorCodes.UPSTREAM_ADDRESS, `"${address}" is not an upstream server address`);
  const endpoint = { host: m[1] ?? m[2], port: Number(m[3]) };
  return { url: `http://${address}`, ...endpoint, pool: new ConnectionPool(endpoint) };
}
