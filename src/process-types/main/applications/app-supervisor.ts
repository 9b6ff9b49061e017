// One application's processes, as Unit's "processes" and "limits" ask: a
// fixed number, or {max, spare, idle_timeout} (spare idle ones kept, more
// started while requests wait or every process is busy, up to max; idle
// extras stopped). Starts are paced: at most max(spare, 1) of one
// application starting at once (Unit's max_pending_processes), and never
// more than the host-wide gate allows. A process that crashes is replaced
// after a backoff; while an application has no process and backs off, the
// routers answer its requests with 503 at once. limits.requests: a process
// that served its share is replaced, then drains. A restart is a new
// generation that takes over once its processes serve.
import type { Logger } from '../../../kernel/log/logger.js';
import { Backoff } from '../../../kernel/processes/backoff.js';
import type { ApplicationStatus, DirectStats, ServeParams } from '../../../protocol/application.js';
import { WATCHDOG_EXIT_CODE } from '../../../protocol/application.js';
import { AppGeneration } from './app-generation.js';
import type { GenerationHost } from './app-generation.js';
import type { AppMetrics } from './app-metrics.js';
import type { AppProcessRecord } from './app-process-record.js';
import type { StartGate } from './start-gate.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

interface AppConfig {
  type: string;
  processes?: number | { max?: number; spare?: number; idle_timeout?: number };
  limits?: { timeout?: number; requests?: number; start_timeout?: number };
  [key: string]: unknown;
}

/** How long a stopping process may take to finish its requests. */
export const STOP_GRACE_MS = 5000;
/** How long a change waits for a process to take what it serves (a stuck loop does not hold it up longer). */
const SERVE_WAIT_MS = 5000;
/** How long a process told to go (SIGTERM, or its own failure) has before SIGKILL. */
const KILL_GRACE_MS = 3000;
/** Unit's default for how long an app may take to start; Weft's limits.start_timeout changes it. */
export const DEFAULT_START_TIMEOUT_S = 30;

export interface SupervisorEnvironment extends Omit<GenerationHost, 'exited'> {
  gate: StartGate;
  /** The application has no process and backs off (why), or null once it serves again. */
  failing(app: string, reason: string | null): void;
  /** A process serves now, or stopped taking new work. */
  state(app: string, record: AppProcessRecord): void;
  metrics: AppMetrics;
  /** Retired, and every generation it had is gone: it can be forgotten. */
  ended(supervisor: AppSupervisor): void;
  /** What a process that ended had counted on its own listeners (its open connections closed with it). */
  lostDirect(stats: DirectStats): void;
}

/** What a served listening socket needs: main's fd of it, by address. */
export interface ServeOffer {
  params: ServeParams;
  fds: number[];
}

export class AppSupervisor {
  readonly name: string;
  readonly config: AppConfig;
  readonly max: number;
  readonly spare: number;
  readonly idleTimeoutMs: number;
  readonly requestLimit: number;
  readonly startTimeoutMs: number;
  readonly timeoutMs: number;
  #env: SupervisorEnvironment;
  #log: Logger;
  #current: AppGeneration | undefined;
  #generations = new Set<AppGeneration>();
  /** Starts in flight, across generations (the pace counts them all). */
  #starting = 0;
  #startingCurrent = 0;
  #backoff = new Backoff();
  #restartTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #failing: string | null = null;
  /** Requests the routers last said were waiting for a process. */
  /** Requests waiting for a process, as each router worker last said. */
  #demand = new Map<number, number>();
  #serve: ServeOffer | undefined;
  #retired = false;

  constructor(name: string, config: AppConfig, env: SupervisorEnvironment) {
    this.name = name;
    this.config = config;
    this.#env = env;
    this.#log = env.log;
    // Unit's default is one process, always.
    const p = config.processes ?? 1;
    if (typeof p === 'number') {
      this.max = p;
      this.spare = p;
      this.idleTimeoutMs = 0;
    } else {
      this.max = p.max ?? 1;
      this.spare = p.spare ?? 0;
      this.idleTimeoutMs = (p.idle_timeout ?? 15) * 1000;
    }
    this.requestLimit = config.limits?.requests ?? 0;
    this.startTimeoutMs = (config.limits?.start_timeout ?? DEFAULT_START_TIMEOUT_S) * 1000;
    this.timeoutMs = (config.limits?.timeout ?? 0) * 1000;
  }

  #dropGeneration(gen: AppGeneration): void {
    this.#generations.delete(gen);
    if (this.#retired && this.#generations.size === 0) {
      this.#env.ended(this);
      this.#whenGone();
    }
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** At most this many of its processes start at once (Unit's max_pending_processes). */
  get pace(): number {
    return Math.max(this.spare, 1);
  }

  /** Processes of the current generation that serve or will (not stopping). */
  #live(): AppProcessRecord[] {
    const out: AppProcessRecord[] = [];
    for (const r of this.#current?.processes.values() ?? []) if (r.state === 'ready' || r.state === 'starting') out.push(r);
    return out;
  }

  #ready(): AppProcessRecord[] {
    return this.#live().filter((r) => r.state === 'ready');
  }

  /** How many processes it keeps at least (while it has none, a router accepts for it). */
  #floor(): number {
    return this.spare;
  }

  /**
   * The first generation and its first process: resolves once that process
   * serves (the rest of the pool fills in after commit), rejects with why
   * the application cannot start; what it started is then stopped.
   */
  async prepare(): Promise<void> {
    const gen = this.#newGeneration();
    this.#current = gen;
    try {
      await gen.start();
      if (this.spare > 0) await this.#startProcess(gen, true);
    } catch (e) {
      this.retire();
      throw e;
    }
    if (this.idleTimeoutMs > 0 && this.spare < this.max) {
      this.#idleTimer = setInterval(() => this.#reapIdle(), Math.min(1000, this.idleTimeoutMs));
      this.#idleTimer.unref();
    }
  }

  /** The access log was opened again: its processes get the new fd (the offer keeps main's copy). */
  swapAccessLog(fd: number): void {
    const offer = this.#serve;
    if (!offer?.params.accessLog) return;
    offer.fds[offer.fds.length - 1] = fd;
    for (const gen of this.#generations) {
      for (const r of gen.processes.values()) if (r.state !== 'gone') this.#env.port.notify(r.key, 'app.access-log', {}, [fd]);
    }
  }

  /**
   * In force: what its processes serve (direct listeners, settings); the
   * pool fills up. Resolves once every process that serves has taken it,
   * so that a change's answer means its engine is in force in them too (a
   * process that does not answer within SERVE_WAIT_MS, its loop stuck,
   * does not hold the change up).
   */
  commit(offer: ServeOffer): Promise<void> {
    this.#serve = offer;
    const taken: Array<Promise<void>> = [];
    for (const gen of this.#generations) {
      for (const r of gen.processes.values()) {
        if (r.state === 'gone') continue;
        const sent = this.#sendServe(r);
        if (r.state === 'ready') taken.push(sent);
      }
    }
    this.#fill();
    return Promise.all(taken).then(() => undefined);
  }

  #newGeneration(): AppGeneration {
    const gen: AppGeneration = new AppGeneration(this.name, this.config, {
      ...this.#env,
      exited: (g, r, code, signal, was) => this.#onExit(g, r, code, signal, was),
    });
    this.#generations.add(gen);
    return gen;
  }

  /** Resolves once the process answered (or could not: it is gone, or did not answer in time). */
  #sendServe(record: AppProcessRecord): Promise<void> {
    const offer = this.#serve;
    if (!offer) return Promise.resolve();
    return this.#env.port.call(record.key, 'app.serve', offer.params, { fds: offer.fds, timeoutMs: SERVE_WAIT_MS }).then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Starts one process of `gen` within the pace and the host's gate;
   * resolves once it serves. `loud`: a failure rejects (a configuration
   * waits for it); otherwise it is logged and backs off.
   */
  async #startProcess(gen: AppGeneration, loud: boolean): Promise<AppProcessRecord | undefined> {
    this.#starting++;
    if (gen === this.#current) this.#startingCurrent++;
    let record: AppProcessRecord | undefined;
    await this.#env.gate.acquire();
    try {
      record = await gen.spawn(this.startTimeoutMs);
      void this.#sendServe(record);
      await this.#readyWithin(record, gen);
      this.#onReady(record, gen);
      return record;
    } catch (e) {
      let reason = record?.failure ?? (e as Error).message;
      // One that said why it failed is exiting on its own, its last log
      // lines on their way out: a moment before SIGKILL (a hung one was
      // killed already by #readyWithin).
      if (record && record.state !== 'gone') this.#killSoon(gen, record);
      // Where no prototype ran the plugin's check first, it says now what
      // it would have said then (the same error), if the check fails.
      const explained = gen.stopping || this.#retired ? undefined : await gen.explainFailure();
      if (explained && loud) throw explained;
      if (explained) reason = explained.message;
      const message = reason.startsWith('did not listen')
        ? `application "${this.name}" ${reason}`
        : `application "${this.name}" failed to start: ${reason}`;
      if (loud) throw new WeftError(ErrorCodes.APP_PROCESS, message);
      if (!gen.stopping && !this.#retired) {
        this.#log.error(message);
        this.#crashed(reason, record?.startedAt ?? Date.now(), true);
      }
      return undefined;
    } finally {
      this.#env.gate.release();
      this.#starting--;
      if (gen === this.#current) this.#startingCurrent--;
      this.#fill();
    }
  }

  /** The app itself reports a start timeout; this is the backstop for a process that cannot even say so. */
  #readyWithin(record: AppProcessRecord, gen: AppGeneration): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((_, reject) => {
      timer = setTimeout(() => {
        record.markFailed(`did not listen within ${this.startTimeoutMs / 1000} s`);
        gen.kill(record, 'SIGKILL');
        reject(new WeftError(ErrorCodes.APP_PROCESS, record.failure ?? 'it did not listen in time'));
      }, this.startTimeoutMs + 5000);
    });
    return Promise.race([record.ready, limit]).finally(() => clearTimeout(timer));
  }

  #onReady(record: AppProcessRecord, gen: AppGeneration): void {
    gen.served();
    this.#env.metrics.started(this.name);
    this.#env.state(this.name, record);
    if (this.#failing !== null) {
      this.#failing = null;
      this.#env.failing(this.name, null);
    }
  }

  /** Starts what the pool lacks, within the pace; nothing while it backs off. */
  #fill(): void {
    const gen = this.#current;
    if (this.#retired || !gen || gen.stopping || this.#restartTimer || !this.#serve) return;
    if (!gen.canSpawn) {
      if (gen.broken) void this.#renew();
      return;
    }
    const ready = this.#ready();
    const busy = ready.length > 0 && ready.every((r) => r.active > 0);
    // Starts of the current generation in flight count as processes it has.
    let have = ready.length + this.#startingCurrent;
    let wanted = this.#floor();
    if (this.#waiting() > 0 || busy) wanted = Math.max(wanted, have + 1);
    wanted = Math.min(wanted, Math.max(this.max, this.#floor()));
    while (have < wanted && this.#starting < this.pace) {
      have++;
      void this.#startProcess(gen, false);
    }
  }

  /**
   * A crash, or a start that failed: back off before the next start. When
   * it cannot even start and nothing serves, the routers answer 503 at once
   * meanwhile (after a crash, requests wait for the replacement instead).
   */
  #crashed(reason: string, startedAt: number, cannotStart: boolean): void {
    this.#env.metrics.crashed(this.name);
    const delay = this.#backoff.next(Date.now() - startedAt);
    if (this.#backoff.repeated) this.#log.warn(`application "${this.name}" keeps crashing; next start in ${delay} ms`);
    if (cannotStart && this.#ready().length === 0 && this.#failing === null) {
      this.#failing = reason;
      this.#env.failing(this.name, reason);
    }
    if (this.#restartTimer) return;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#fill();
    }, delay);
  }

  #onExit(gen: AppGeneration, record: AppProcessRecord, code: number | null, signal: string | null, was: string): void {
    const how = signal ? `on signal ${signal}` : `with code ${code}`;
    const expected = was === 'stopping' || gen.stopping || this.#retired || gen !== this.#current;
    this.#env.lostDirect(record.direct);
    this.#env.state(this.name, record);
    if (code === WATCHDOG_EXIT_CODE || record.timedOut) {
      this.#log.error(`application "${this.name}" process ${record.pid} exited ${how} (it held a request past limits.timeout)`);
    } else if (expected) {
      this.#log.notice(`application "${this.name}" process ${record.pid} exited ${how}`);
    } else if (was !== 'starting') {
      // (One that dies while starting is its start's failure, reported there.)
      this.#log.error(`application "${this.name}" process ${record.pid} exited ${how}`);
      this.#crashed(`its last process exited ${how}`, record.startedAt, false);
    }
    if (gen !== this.#current && gen.processes.size === 0) void gen.stop(0).then(() => this.#dropGeneration(gen));
    this.#fill();
  }

  /** A prototype died: its processes with it. The current generation's is replaced (after a backoff if they keep dying). */
  onPrototypeExit(gen: AppGeneration): void {
    const current = gen === this.#current;
    gen.onPrototypeExit();
    if (!current || this.#retired) {
      this.#dropGeneration(gen);
      return;
    }
    this.#log.error(`application "${this.name}": its prototype (pid ${gen.prototypePid}) exited; starting a new one`);
    this.#fill();
  }

  #renewing = false;

  /** A new generation in place of a current one whose prototype died (or that could not start one). */
  async #renew(): Promise<void> {
    if (this.#renewing || this.#retired) return;
    this.#renewing = true;
    const dead = this.#current;
    const gen = this.#newGeneration();
    this.#current = gen;
    if (dead) this.#dropGeneration(dead);
    try {
      await gen.start();
    } catch (e) {
      this.#log.error(`application "${this.name}" failed to start: ${(e as Error).message}`);
      this.#crashed((e as Error).message, Date.now(), true);
    } finally {
      this.#renewing = false;
    }
    this.#fill();
  }

  /** Routers report requests waiting for a process (0: none any more). */
  demand(waiting: number, router: number): void {
    if (waiting > 0) this.#demand.set(router, waiting);
    else this.#demand.delete(router);
    if (waiting > 0) this.#fill();
  }

  /** A router worker is gone: what it said was waiting is not. */
  routerGone(router: number): void {
    this.#demand.delete(router);
  }

  #waiting(): number {
    let n = 0;
    for (const w of this.#demand.values()) n += w;
    return n;
  }

  /** A process reported its load. */
  load(record: AppProcessRecord, active: number, total: number, direct: DirectStats): void {
    record.active = active;
    record.total = total;
    record.direct = direct;
    if (active === 0) record.idleSince ??= Date.now();
    else record.idleSince = undefined;
    if (active > 0) this.#fill();
  }

  /** limits.requests reached: the process drains (it began on its own), a replacement starts. */
  retireProcess(record: AppProcessRecord): void {
    if (record.state !== 'ready') return;
    const gen = [...this.#generations].find((g) => g.processes.get(record.key) === record);
    gen?.stopProcess(record, STOP_GRACE_MS);
    this.#env.state(this.name, record);
    this.#fill();
  }

  /**
   * No longer in the configuration (or the server stops): every generation
   * stops, its processes finishing what they hold within `graceMs`.
   * Resolves once they are all gone.
   */
  retire(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.#retired) return this.#gone;
    this.#gone = new Promise((resolve) => (this.#whenGone = resolve));
    this.#retired = true;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    if (this.#generations.size === 0) {
      this.#env.ended(this);
      this.#whenGone();
    }
    for (const gen of this.#generations) {
      // The routers stop giving them work at once; they finish what they hold.
      for (const r of gen.processes.values()) {
        if (r.state === 'gone' || r.state === 'stopping') continue;
        r.state = 'stopping';
        this.#env.state(this.name, r);
      }
      void gen.stop(graceMs).then(() => this.#dropGeneration(gen));
    }
    return this.#gone;
  }

  #gone: Promise<void> = Promise.resolve();
  #whenGone: () => void = () => undefined;

  /** limits.timeout in routed mode: the client had its 503; the process goes and is replaced. */
  timedOut(record: AppProcessRecord): void {
    const gen = [...this.#generations].find((g) => g.processes.get(record.key) === record);
    if (!gen || record.state === 'gone') return;
    record.timedOut = true;
    record.state = 'stopping';
    this.#env.state(this.name, record);
    gen.kill(record, 'SIGTERM');
    this.#killSoon(gen, record);
    this.#fill();
  }

  /** SIGKILL unless the process is gone within KILL_GRACE_MS. */
  #killSoon(gen: AppGeneration, record: AppProcessRecord): void {
    const kill = setTimeout(() => gen.kill(record, 'SIGKILL'), KILL_GRACE_MS);
    void record.finished.then(() => clearTimeout(kill));
  }

  #reapIdle(): void {
    const gen = this.#current;
    if (!gen) return;
    const now = Date.now();
    const ready = this.#ready();
    let extra = ready.length - this.#floor();
    for (const r of ready) {
      if (extra <= 0) break;
      if (r.active === 0 && r.idleSince !== undefined && now - r.idleSince >= this.idleTimeoutMs) {
        gen.stopProcess(r, STOP_GRACE_MS);
        this.#env.state(this.name, r);
        extra--;
      }
    }
  }

  /** GET /control/applications/<name>/restart: a new generation takes over once it serves; the old one drains. */
  async restart(): Promise<void> {
    if (this.#retired) return;
    this.#env.metrics.restarted(this.name);
    const next = this.#newGeneration();
    const wanted = Math.min(this.max, Math.max(1, this.spare, this.#ready().length));
    try {
      await next.start();
      // Within the pace, like any start: a few at a time.
      let started = 0;
      const starters: Array<Promise<unknown>> = [];
      const startOne = async (): Promise<void> => {
        while (started < wanted) {
          started++;
          await this.#startProcess(next, true);
        }
      };
      for (let i = 0; i < Math.min(this.pace, wanted); i++) starters.push(startOne());
      await Promise.all(starters);
    } catch (e) {
      void next.stop(0).then(() => this.#dropGeneration(next));
      throw e;
    }
    if (this.#retired) {
      void next.stop(0).then(() => this.#dropGeneration(next));
      return;
    }
    const old = this.#current;
    this.#current = next;
    this.#backoff.reset();
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    if (old) {
      for (const r of old.processes.values()) {
        if (r.state !== 'gone') {
          r.state = 'stopping';
          this.#env.state(this.name, r);
        }
      }
      void old.stop(STOP_GRACE_MS).then(() => this.#dropGeneration(old));
    }
    this.#fill();
  }

  status(): ApplicationStatus {
    const ready = this.#ready();
    let active = 0;
    for (const gen of this.#generations) for (const r of gen.processes.values()) if (r.state !== 'gone') active += r.active;
    return {
      processes: { running: ready.length, starting: this.#startingCurrent, idle: ready.filter((r) => r.active === 0).length },
      requests: { active },
    };
  }

  /** Every process it has, in every generation (for wiring a new router). */
  *records(): Iterable<AppProcessRecord> {
    for (const gen of this.#generations) yield* gen.processes.values();
  }

  failingReason(): string | null {
    return this.#failing;
  }

  /** The generation a prototype belongs to. */
  generationOf(prototypePid: number): AppGeneration | undefined {
    if (prototypePid <= 0) return undefined;
    for (const gen of this.#generations) if (gen.prototypePid === prototypePid) return gen;
    return undefined;
  }

  /** Shutdown: every generation's processes end now (SIGTERM, then SIGKILL); resolves once they are gone. */
  terminate(): Promise<void> {
    return Promise.all([...this.#generations].map((gen) => gen.terminate())).then(() => undefined);
  }
}
