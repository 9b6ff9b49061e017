// An application's processes, as Unit's "processes" and "limits" ask:
// a fixed number, or {max, spare, idle_timeout} (spare idle ones kept,
// more started on demand up to max, idle extras stopped); requests over
// limits.timeout get 503 and their worker is replaced; workers retire after
// limits.requests; crashed workers are replaced with exponential backoff;
// a restart starts a new generation before the old one drains.
import fs from 'node:fs';

import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import { dup } from '../../../native/index.js';
import type { ServeParams } from '../../application/protocol.js';
import type { DirectHttpSettings } from '../../application/runtime/direct-limits.js';
import type { DirectStats } from '../../application/runtime/direct-traffic.js';
import type { RequestContext } from '../http/request-context.js';
import type { Counters } from '../status/counters.js';
import { errorResponse } from '../http/errors.js';
import type { ApplicationGateway, ApplicationStatus } from './application-gateway.js';
import { forwardToApp } from './app-request.js';
import type { AppProcess } from './app-process.js';
import { Generation } from './generation.js';

interface AppConfig {
  type: string;
  processes?: number | { max?: number; spare?: number; idle_timeout?: number };
  limits?: { timeout?: number; requests?: number };
  [key: string]: unknown;
}

const STOP_GRACE_MS = 5000;
const KILL_GRACE_MS = 3000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 30000;
/** A worker that lived this long was not crash-looping. */
const HEALTHY_MS = 10000;
/** How long a request waits for a worker before it gets 503. */
const QUEUE_TIMEOUT_MS = 30000;

export interface PoolEnvironment {
  port: Port;
  mainPid: number;
  log: Logger;
  serverHeader: () => string;
  /** The router's /status counters: direct-mode traffic is added to them. */
  counters?: Counters;
}

interface Waiter {
  resolve: (p: AppProcess) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

let generations = 0;

/** A process given a request: counted at once, so that the next request sees it busy. */
function taken(p: AppProcess): AppProcess {
  p.active++;
  return p;
}

export class ApplicationPool implements ApplicationGateway {
  readonly name: string;
  readonly config: AppConfig;
  readonly max: number;
  readonly spare: number;
  readonly idleTimeoutMs: number;
  readonly timeoutMs: number;
  readonly requestLimit: number;
  #env: PoolEnvironment;
  #current: Generation | undefined;
  #draining = new Set<Generation>();
  /** Every generation that may have processes: starting, current, draining. */
  #all = new Set<Generation>();
  #starting = 0;
  #waiters: Waiter[] = [];
  #crashes = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleSince = new Map<AppProcess, number>();
  #directFds: number[] = [];
  /** settings.http, for the connections its processes accept themselves. */
  #directHttp: DirectHttpSettings | undefined;
  #retired = false;

  constructor(name: string, config: AppConfig, env: PoolEnvironment) {
    this.name = name;
    this.config = config;
    this.#env = env;
    // Unit's default is one process, always.
    const p = config.processes ?? 1;
    if (typeof p === 'number') {
      this.max = p;
      this.spare = p;
      this.idleTimeoutMs = 0;
    } else {
      this.max = p?.max ?? 1;
      this.spare = p?.spare ?? 0;
      this.idleTimeoutMs = (p?.idle_timeout ?? 15) * 1000;
    }
    this.timeoutMs = (config.limits?.timeout ?? 0) * 1000;
    this.requestLimit = config.limits?.requests ?? 0;
  }

  /** Processes of the current generation. */
  #live(): AppProcess[] {
    return this.#current ? [...this.#current.processes.values()].filter((p) => p.state !== 'gone') : [];
  }

  /** Starts the first generation and its spare processes; rejects with why the app cannot start. */
  async prepare(): Promise<void> {
    if (this.#current) return;
    this.#current = await this.#newGeneration();
    const wanted = Math.max(this.spare, this.#directFds.length > 0 ? 1 : 0);
    await Promise.all(Array.from({ length: wanted }, () => this.#startProcess(this.#current!, true)));
    if (this.idleTimeoutMs > 0 && this.spare < this.max) {
      this.#idleTimer = setInterval(() => this.#reapIdle(), Math.min(1000, this.idleTimeoutMs));
      this.#idleTimer.unref();
    }
  }

  async #newGeneration(): Promise<Generation> {
    const gen = new Generation({
      app: this.name,
      number: ++generations,
      port: this.#env.port,
      mainPid: this.#env.mainPid,
      log: this.#env.log,
      events: { exited: (p, code, signal, expected) => this.#onExit(gen, p, code, signal, expected) },
    });
    this.#all.add(gen);
    try {
      await gen.start(this.config);
    } catch (e) {
      this.#all.delete(gen);
      throw e;
    }
    return gen;
  }

  async #startProcess(gen: Generation, failLoudly: boolean): Promise<AppProcess | undefined> {
    this.#starting++;
    try {
      const p = await gen.spawn();
      p.serve(this.#serveParams(), this.#directFds);
      await p.ready;
      this.#idleSince.set(p, Date.now());
      this.#wakeWaiters();
      return p;
    } catch (e) {
      const message = `application "${this.name}" failed to start: ${(e as Error).message}`;
      if (failLoudly) throw new Error(message);
      this.#env.log.error(message);
      return undefined;
    } finally {
      this.#starting--;
    }
  }

  /** Direct mode: application processes accept on these listening fds themselves. */
  setDirect(fds: number[], http: DirectHttpSettings): void {
    for (const fd of this.#directFds) fs.closeSync(fd);
    this.#directFds = fds.map((fd) => dup(fd));
    this.#directHttp = http;
    for (const p of this.#live()) p.serve(this.#serveParams(), this.#directFds);
  }

  #serveParams(): ServeParams {
    const direct = this.#directFds.length > 0;
    return {
      direct,
      serverHeader: this.#env.serverHeader(),
      requestLimit: this.requestLimit,
      ...(direct && this.#directHttp ? { http: this.#directHttp } : {}),
    };
  }

  async handle(ctx: RequestContext, _target?: string): Promise<void> {
    let p: AppProcess;
    try {
      p = await this.#acquire();
    } catch (e) {
      ctx.log('error', `application "${this.name}": ${(e as Error).message}`);
      errorResponse(ctx, 503);
      return;
    }
    // #acquire counted the request on p already, so that the next one sees it busy.
    this.#idleSince.delete(p);
    try {
      await forwardToApp(ctx, p, this.timeoutMs, () => this.#timedOut(p));
    } finally {
      p.active--;
      p.served++;
      if (p.active === 0) this.#idleSince.set(p, Date.now());
      if (this.requestLimit > 0 && p.served >= this.requestLimit && p.state === 'ready') this.#recycle(p);
      this.#wakeWaiters();
    }
  }

  /** A ready process with the fewest requests; starts one when all are busy and max allows. */
  #acquire(): Promise<AppProcess> {
    if (this.#retired || !this.#current) return Promise.reject(new Error('the application is stopping'));
    const ready = this.#live().filter((p) => p.state === 'ready');
    const idle = ready.find((p) => p.active === 0);
    if (idle) return Promise.resolve(taken(idle));
    if (ready.length + this.#starting < this.max) void this.#startProcess(this.#current, false);
    if (ready.length > 0 && ready.length + this.#starting >= this.max) {
      return Promise.resolve(taken(ready.reduce((a, b) => (b.active < a.active ? b : a))));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no process was free within ${QUEUE_TIMEOUT_MS / 1000} s`));
      }, QUEUE_TIMEOUT_MS);
      this.#waiters.push({ resolve, reject, timer });
    });
  }

  #wakeWaiters(): void {
    while (this.#waiters.length > 0) {
      const ready = this.#live().filter((p) => p.state === 'ready');
      const free = ready.find((p) => p.active === 0) ?? (ready.length > 0 && ready.length + this.#starting >= this.max ? ready[0] : undefined);
      if (!free) return;
      const w = this.#waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(taken(free));
    }
  }

  /** limits.timeout: the client already got 503; the worker that holds the request goes. */
  #timedOut(p: AppProcess): void {
    if (p.state === 'gone' || !this.#current) return;
    this.#env.log.error(`application "${this.name}" process ${p.pid} did not answer within ${this.timeoutMs / 1000} s; stopping it`);
    const gen = [...this.#all].find((g) => g.byKey(p.key));
    if (!gen) return;
    p.state = 'stopping';
    gen.kill(p, 'SIGTERM');
    const kill = setTimeout(() => gen.kill(p, 'SIGKILL'), KILL_GRACE_MS);
    void p.finished.then(() => clearTimeout(kill));
    this.#ensureSpare();
  }

  /** limits.requests: a new worker first, then the old one drains and exits. */
  #recycle(p: AppProcess): void {
    p.state = 'stopping';
    this.#ensureSpare();
    void p.finished;
    p.stop(STOP_GRACE_MS);
  }

  #ensureSpare(): void {
    const gen = this.#current;
    if (!gen || this.#retired) return;
    const alive = this.#live().filter((p) => p.state !== 'stopping').length + this.#starting;
    const floor = Math.max(this.spare, this.#directFds.length > 0 ? 1 : 0);
    for (let i = alive; i < floor; i++) void this.#startProcess(gen, false);
  }

  #onExit(gen: Generation, p: AppProcess, code: number | null, signal: string | null, expected: boolean): void {
    const how = signal ? `on signal ${signal}` : `with code ${code}`;
    this.#env.log.log(expected ? 'notice' : 'error', `application "${this.name}" process ${p.pid} exited ${how}`);
    this.#idleSince.delete(p);
    // Its direct connections died with it.
    const d = p.direct;
    this.#env.counters?.direct({ accepted: 0, closed: d.accepted - d.closed, requests: 0, active: -d.active });
    p.direct = { accepted: d.accepted, closed: d.accepted, requests: d.requests, active: 0 };
    if (expected || gen !== this.#current || this.#retired) {
      if (gen !== this.#current) this.#maybeFinishDraining(gen);
      this.#ensureSpare();
      return;
    }
    // A crash: replace it, waiting longer each time workers die young.
    const lived = Date.now() - p.startedAt;
    this.#crashes = lived > HEALTHY_MS ? 1 : this.#crashes + 1;
    const delay = Math.min(BACKOFF_MIN_MS * 2 ** (this.#crashes - 1), BACKOFF_MAX_MS);
    if (this.#restartTimer) return;
    if (this.#crashes > 1) this.#env.log.warn(`application "${this.name}" keeps crashing; next start in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#ensureSpare();
    }, delay);
  }

  #reapIdle(): void {
    const now = Date.now();
    const live = this.#live().filter((p) => p.state === 'ready');
    let extra = live.length - this.spare;
    for (const p of live) {
      if (extra <= 0) break;
      const since = this.#idleSince.get(p);
      if (p.active === 0 && since !== undefined && now - since >= this.idleTimeoutMs) {
        p.stop(STOP_GRACE_MS);
        extra--;
      }
    }
  }

  /** GET /control/applications/<name>/restart: a new generation takes new requests; the old one drains. */
  async restart(): Promise<void> {
    if (this.#retired) return;
    const next = await this.#newGeneration();
    const wanted = Math.max(1, this.spare, this.#live().filter((p) => p.state === 'ready').length);
    try {
      await Promise.all(Array.from({ length: Math.min(wanted, this.max) }, () => this.#startProcess(next, true)));
    } catch (e) {
      await next.stop(0);
      this.#all.delete(next);
      throw e;
    }
    const old = this.#current;
    this.#current = next;
    this.#wakeWaiters();
    if (old) {
      this.#draining.add(old);
      void old.stop(STOP_GRACE_MS).then(() => {
        this.#draining.delete(old);
        this.#all.delete(old);
      });
    }
  }

  #maybeFinishDraining(gen: Generation): void {
    if (gen.processes.size === 0) this.#draining.delete(gen);
  }

  status(): ApplicationStatus {
    const live = this.#live();
    const ready = live.filter((p) => p.state === 'ready');
    const all = [...live, ...[...this.#draining].flatMap((g) => [...g.processes.values()])];
    return {
      processes: { running: ready.length, starting: this.#starting, idle: ready.filter((p) => p.active === 0).length },
      requests: { active: all.reduce((n, p) => n + p.active, 0) },
    };
  }

  /** Application processes reporting in (routed by the registry). */
  processByKey(key: number): AppProcess | undefined {
    for (const g of this.#all) {
      const p = g.byKey(key);
      if (p) return p;
    }
    return undefined;
  }

  generationOfPrototype(pid: number): Generation | undefined {
    return [...this.#all].find((g) => g.prototypePid === pid);
  }

  /** Direct mode: a process told us how busy it is. */
  load(p: AppProcess, active: number, total: number, direct?: DirectStats): void {
    p.active = active;
    p.served = total;
    if (direct) {
      const last = p.direct;
      this.#env.counters?.direct({
        accepted: direct.accepted - last.accepted,
        closed: direct.closed - last.closed,
        requests: direct.requests - last.requests,
        active: direct.active - last.active,
      });
      p.direct = { ...direct };
    }
    if (active === 0) this.#idleSince.set(p, Date.now());
    else this.#idleSince.delete(p);
    // All busy: one more, if max allows.
    const live = this.#live().filter((x) => x.state === 'ready');
    if (this.#current && live.every((x) => x.active > 0) && live.length + this.#starting < this.max) {
      void this.#startProcess(this.#current, false);
    }
  }

  retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('the application was removed'));
    }
    this.#waiters = [];
    for (const fd of this.#directFds) fs.closeSync(fd);
    this.#directFds = [];
    for (const g of this.#all) void g.stop(STOP_GRACE_MS);
  }
}
