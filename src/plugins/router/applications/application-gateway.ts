// The seam between the router and applications: a pass to
// "applications/<name>" hands the request to that application's gateway.
// The registry keeps an application's pool of processes across
// configurations while its own configuration is unchanged, so that a
// change elsewhere restarts nothing.
import { isDeepStrictEqual } from 'node:util';

import type { RequestContext } from '../http/request-context.js';
import '../../application/protocol.js';
import { ApplicationPool } from './application-pool.js';
import type { PoolEnvironment } from './application-pool.js';

export interface ApplicationStatus {
  processes: { running: number; starting: number; idle: number };
  requests: { active: number };
}

export interface ApplicationGateway {
  readonly name: string;
  prepare(): Promise<void>;
  retire(): void;
  handle(ctx: RequestContext, target: string | undefined): Promise<void>;
  status(): ApplicationStatus;
}

export class ApplicationRegistry {
  #pools = new Map<string, ApplicationPool>();
  #env: PoolEnvironment;

  constructor(env: PoolEnvironment) {
    this.#env = env;
    const { port } = env;
    const find = (key: number): { pool: ApplicationPool; process: NonNullable<ReturnType<ApplicationPool['processByKey']>> } | undefined => {
      for (const pool of this.#all()) {
        const process = pool.processByKey(key);
        if (process) return { pool, process };
      }
      return undefined;
    };
    port.onNotify('router.app-ready', (_params, ctx) => find(ctx.from)?.process.markReady());
    port.onNotify('router.app-failed', ({ reason }, ctx) => find(ctx.from)?.process.markFailed(reason));
    port.onNotify('router.app-load', ({ active, total, direct }, ctx) => {
      const found = find(ctx.from);
      if (found) found.pool.load(found.process, active, total, direct);
    });
    port.onNotify('router.app-exited', ({ pid, code, signal }, ctx) => {
      for (const pool of this.#all()) pool.generationOfPrototype(ctx.from)?.onExit(pid, code, signal);
    });
  }

  /** Pools in force and pools being planned (their processes report in while they start). */
  #planned = new Set<ApplicationPool>();

  #all(): ApplicationPool[] {
    return [...new Set([...this.#pools.values(), ...this.#planned])];
  }

  /** The gateways of a new configuration: unchanged applications keep their pool. */
  plan(apps: Record<string, Record<string, unknown>>): Map<string, ApplicationPool> {
    const out = new Map<string, ApplicationPool>();
    for (const [name, config] of Object.entries(apps)) {
      const existing = this.#pools.get(name);
      const pool =
        existing && isDeepStrictEqual(existing.config, config) ? existing : new ApplicationPool(name, config as never, this.#env);
      if (pool !== existing) this.#planned.add(pool);
      out.set(name, pool);
    }
    return out;
  }

  /** The new configuration is in force: pools it does not use retire. */
  commit(next: Map<string, ApplicationPool>): void {
    for (const [name, pool] of this.#pools) if (next.get(name) !== pool) pool.retire();
    this.#pools = new Map(next);
    this.#planned.clear();
  }

  /** The new configuration was refused: its new pools go. */
  abandon(next: Map<string, ApplicationPool>): void {
    for (const [name, pool] of next) if (this.#pools.get(name) !== pool) pool.retire();
    this.#planned.clear();
  }

  get(name: string): ApplicationPool | undefined {
    return this.#pools.get(name);
  }

  retireAll(): void {
    for (const pool of this.#pools.values()) pool.retire();
    this.#pools.clear();
  }
}
