// A bounded keep-alive load generator: N clients, each one keep-alive
// connection sending requests one after another until stopped (or for a
// duration), as wrk does, but in Node so that every failure is counted by
// its kind. Never more than N sockets: each client has its own agent with
// one socket, and a connection the server closed while idle is replaced
// before the next request, as any keep-alive client does (that is not a
// failed request; a request the server took and never answered is).
import http from 'node:http';

export type FailureKind = string; // 'status 502', 'ECONNRESET', 'socket hang up', 'timeout', 'ECONNREFUSED', ...

export interface Failure {
  at: number;
  kind: FailureKind;
  group: string;
  client: number;
}

export interface GroupStats {
  ok: number;
  failed: number;
  byKind: Record<FailureKind, number>;
}

export interface LoadStats {
  ok: number;
  failed: number;
  byKind: Record<FailureKind, number>;
  byGroup: Record<string, GroupStats>;
  /** Every failure, in order (with its time, to place it around a fault). */
  failures: Failure[];
  /** Most sockets open at once (must stay <= clients). */
  maxSockets: number;
  /** Which pids answered (the body of a fixture's answer starts with its pid). */
  pids: Set<number>;
}

export interface ClientGroup {
  /** A label for the stats, e.g. 'direct' or 'routed'. */
  group: string;
  port: number;
  host?: string;
  clients: number;
  path?: string;
}

export interface LoadOptions {
  /** Stop by itself after this long (default: only when stop() is called). */
  durationMs?: number;
  /** A request with no complete answer after this long is a 'timeout' failure. */
  requestTimeoutMs?: number;
  /** How long a client waits after a failure before its next request (a client does not spin on a dead server). */
  pauseAfterFailureMs?: number;
}

export interface Load {
  stats: LoadStats;
  /** Ok and failed requests so far, for a before/after comparison. */
  snapshot(): { ok: number; failed: number; failures: number };
  /** Stops every client after its current request; resolves with the stats. */
  stop(): Promise<LoadStats>;
}

/** ECONNRESET on a connection that had received nothing yet. */
export const NEVER_ANSWERED_RESET = 'ECONNRESET on a connection never answered';

function classify(e: Error & { code?: string }): FailureKind {
  if (e.message === 'socket hang up') return 'socket hang up';
  if (e.message === 'timeout') return 'timeout';
  return e.code ?? e.message;
}

export function startLoad(groups: ClientGroup[], options: LoadOptions = {}): Load {
  const requestTimeoutMs = options.requestTimeoutMs ?? 10000;
  const pause = options.pauseAfterFailureMs ?? 50;
  const stats: LoadStats = { ok: 0, failed: 0, byKind: {}, byGroup: {}, failures: [], maxSockets: 0, pids: new Set() };
  const total = groups.reduce((n, g) => n + g.clients, 0);
  let open = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const agents: http.Agent[] = [];

  const fail = (group: string, client: number, kind: FailureKind): void => {
    stats.failed++;
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
    const g = stats.byGroup[group];
    g.failed++;
    g.byKind[kind] = (g.byKind[kind] ?? 0) + 1;
    stats.failures.push({ at: Date.now(), kind, group, client });
  };

  const once = (g: ClientGroup, agent: http.Agent): Promise<{ ok: true } | { ok: false; kind: FailureKind }> =>
    new Promise((resolve) => {
      let settled = false;
      const settle = (r: { ok: true } | { ok: false; kind: FailureKind }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(r);
      };
      const req = http.request({ host: g.host ?? '127.0.0.1', port: g.port, path: g.path ?? '/', agent }, (res) => {
        (res.socket as { weftAnswered?: boolean }).weftAnswered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return settle({ ok: false, kind: `status ${res.statusCode}` });
          const pid = parseInt(Buffer.concat(chunks).toString('latin1'), 10);
          if (Number.isInteger(pid)) stats.pids.add(pid);
          settle({ ok: true });
        });
        res.on('error', (e) => settle({ ok: false, kind: classify(e) }));
        res.on('aborted', () => settle({ ok: false, kind: 'aborted' }));
      });
      const deadline = setTimeout(() => {
        settle({ ok: false, kind: 'timeout' });
        req.destroy();
      }, requestTimeoutMs);
      req.on('socket', (s) => {
        // A socket is counted once, from its first request to its close.
        if ((s as { weftCounted?: boolean }).weftCounted) return;
        (s as { weftCounted?: boolean }).weftCounted = true;
        open++;
        stats.maxSockets = Math.max(stats.maxSockets, open);
        s.once('close', () => open--);
      });
      req.on('error', (e) => {
        // A reset on a connection that never got a byte: the server never
        // took it (a stopped server's kernel resets what waited in the
        // closed listening socket's queue), unlike a reset mid-exchange.
        const fresh = !(req.socket as { weftAnswered?: boolean } | null)?.weftAnswered;
        const kind = classify(e);
        settle({ ok: false, kind: kind === 'ECONNRESET' && fresh ? NEVER_ANSWERED_RESET : kind });
      });
      req.end();
    });

  const client = async (g: ClientGroup, index: number): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    agents.push(agent);
    while (!stopped) {
      const r = await once(g, agent);
      if (r.ok) {
        stats.ok++;
        stats.byGroup[g.group].ok++;
      } else {
        fail(g.group, index, r.kind);
        if (!stopped) await new Promise((res) => setTimeout(res, pause));
      }
    }
    agent.destroy();
  };

  for (const g of groups) stats.byGroup[g.group] ??= { ok: 0, failed: 0, byKind: {} };
  let index = 0;
  const running = groups.flatMap((g) => Array.from({ length: g.clients }, () => client(g, index++)));
  const all = Promise.all(running).then(() => {
    if (stats.maxSockets > total) throw new Error(`the load generator opened ${stats.maxSockets} sockets for ${total} clients`);
    return stats;
  });
  if (options.durationMs !== undefined) timer = setTimeout(() => (stopped = true), options.durationMs);

  return {
    stats,
    snapshot: () => ({ ok: stats.ok, failed: stats.failed, failures: stats.failures.length }),
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      return all;
    },
  };
}

/** Failures of `stats` from time `from` on, counted by group. */
export function failuresSince(stats: LoadStats, from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of Object.keys(stats.byGroup)) out[g] = 0;
  for (const f of stats.failures) if (f.at >= from) out[f.group] = (out[f.group] ?? 0) + 1;
  return out;
}
