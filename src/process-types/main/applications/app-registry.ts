// main's applications: one supervisor per configured application, kept
// across configurations while its own configuration is unchanged (a change
// elsewhere restarts nothing), and across router restarts (a router that
// dies costs only its own connections: the applications go on, and the new
// router is connected to every process they have).
//
// A configuration's applications change in two steps, around the router's
// own: apps-prepare starts what is new (its first process serving) and
// answers with a token; apps-commit puts them in force and retires what
// the configuration dropped; apps-abandon undoes a prepare. A router that
// dies between the two abandons its prepares.
//
// At start-up main knows the configuration before the router does (the
// controller hands it on once both are up): prestart() starts its
// applications right away, and the router's first apps-prepare takes those
// whose configuration it asks for, already starting or serving. What it
// does not take retires with the first configuration applied or abandoned.
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

import type { ListenSockets } from '../../../kernel/listen/listen-sockets.js';
import type { Logger } from '../../../kernel/log/logger.js';
import { MessageType } from '../../../kernel/ports/message-type.js';
import type { Port } from '../../../kernel/ports/port.js';
import type { ProcessManager } from '../../../kernel/processes/process-manager.js';
import type { ProcessEntry } from '../../../kernel/processes/process-table.js';
import { socketPair } from '../../../native/index.js';
import '../../../protocol/application.js';
import { mergeSnapshots } from '../../../metrics/index.js';
import type { MetricsSnapshot } from '../../../metrics/index.js';
import type { AppServing, AppsCommitParams, AppsStatus, DirectStats } from '../../../protocol/application.js';
import { resolveAppType } from '../../../config/app-types.js';
import type { ModuleInfo } from '../../../protocol/discovery.js';
import { emptyDirectStats } from '../../../protocol/application.js';
import { accessLogPath } from '../../../request/access-log/access-log-format.js';
import type { AccessLogConfig } from '../../../request/access-log/access-log-format.js';
import { openForAppend } from '../open-for-append.js';
import type { AppGeneration } from './app-generation.js';
import type { AppLauncher } from './app-launcher.js';
import type { AppProcessRecord } from './app-process-record.js';
import { AppMetrics } from './app-metrics.js';
import { AppSupervisor } from './app-supervisor.js';
import type { SupervisorEnvironment } from './app-supervisor.js';
import { StartGate } from './start-gate.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

interface Prepared {
  router: number;
  next: Map<string, AppSupervisor>;
  fresh: AppSupervisor[];
  /** How each application's processes take requests (what the router was told). */
  serving: Record<string, AppServing>;
}

export interface AppRegistryOptions {
  port: Port;
  log: Logger;
  processes: ProcessManager;
  launcher: AppLauncher;
  listenSockets: ListenSockets;
  /** The application plugins discovery found (what an app's "type" selects). */
  modules: () => readonly ModuleInfo[];
  gate?: StartGate;
}

export class AppRegistry {
  #o: AppRegistryOptions;
  #supervisors = new Map<string, AppSupervisor>();
  #prepared = new Map<number, Prepared>();
  #metrics = new AppMetrics();
  /** Every supervisor that still has processes or a spawner: in force, prepared, or retiring. */
  #all = new Set<AppSupervisor>();
  #tokens = 0;
  /** Every live process of every supervisor (prepared ones too), by key, with its supervisor. */
  #records = new Map<number, { record: AppProcessRecord; supervisor: AppSupervisor }>();
  /** The access log application processes write to (main's fd of it). */
  #accessLog: { path: string; fd: number } | undefined;
  /** What processes that ended had counted on their own listeners, kept for /status. */
  #lost: DirectStats = emptyDirectStats();
  /** What processes that ended had counted for /metrics (counters and histograms only), so that totals never go down. */
  #departed: MetricsSnapshot = [];
  /** Each live process's snapshot at the last scrape: what is kept of it should it die without a word. */
  #lastSeen = new Map<number, MetricsSnapshot>();
  #ending = new Set<number>();
  #env: SupervisorEnvironment;
  /** Started ahead of the first configuration (prestart), by name, with their prepare in flight. */
  #early = new Map<string, { supervisor: AppSupervisor; prepared: Promise<void> }>();

  constructor(options: AppRegistryOptions) {
    this.#o = options;
    const { port, processes } = options;
    const gate = options.gate ?? new StartGate();
    this.#env = {
      metrics: this.#metrics,
      port,
      log: options.log,
      launcher: options.launcher,
      processes,
      gate,
      track: () => undefined,
      ended: (s) => this.#all.delete(s),
      untrack: (record) => {
        this.#records.delete(record.key);
        // Its last word (main.app-metrics-final) comes on another channel than news of its exit: wait for it a moment.
        this.#ending.add(record.key);
        setTimeout(() => {
          this.#ending.delete(record.key);
          this.#keep(this.#lastSeen.get(record.key));
          this.#lastSeen.delete(record.key);
        }, 1000).unref();
      },
      failing: (app, reason) => this.#toRouters((pid) => port.notify(pid, 'router.app-failing', { app, reason })),
      state: (app, record) => this.#announce(app, record),
      // Its connections closed with it.
      lostDirect: (d) => {
        this.#lost.accepted += d.accepted;
        this.#lost.closed += d.accepted;
        this.#lost.requests += d.requests;
      },
    };
    // Supervisors are made through this, so that track() knows whose process it is.
    this.#make = (name, config) => {
      const supervisor = new AppSupervisor(name, config as never, {
        ...this.#env,
        track: (record) => this.#records.set(record.key, { record, supervisor }),
      });
      this.#all.add(supervisor);
      return supervisor;
    };

    const found = (key: number): { record: AppProcessRecord; supervisor: AppSupervisor } | undefined => this.#records.get(key);
    port.onNotify('main.app-ready', (_p, ctx) => found(ctx.from)?.record.markReady());
    port.onNotify('main.app-failed', ({ reason }, ctx) => found(ctx.from)?.record.markFailed(reason));
    port.onNotify('main.app-load', ({ active, total, direct }, ctx) => {
      const f = found(ctx.from);
      if (f) f.supervisor.load(f.record, active, total, direct);
    });
    port.onNotify('main.app-retire', (_p, ctx) => {
      const f = found(ctx.from);
      if (f) f.supervisor.retireProcess(f.record);
    });
    port.onNotify('main.app-metrics-final', ({ snapshot }, ctx) => {
      if (this.#records.has(ctx.from) || this.#ending.has(ctx.from)) this.#lastSeen.set(ctx.from, snapshot);
    });
    port.onNotify('main.app-exited', ({ pid, code, signal }, ctx) => this.#generationOf(ctx.from)?.onExit(pid, code, signal));
    port.onNotify('main.app-demand', ({ app, waiting }, ctx) => this.#supervisors.get(app)?.demand(waiting, ctx.from));
    port.onNotify('main.app-timeout', ({ key }, ctx) => {
      const f = found(key ?? ctx.from);
      if (f) f.supervisor.timedOut(f.record);
    });
    port.handle('main.apps-prepare', async ({ applications }, ctx) => {
      const serving = this.#serving(applications);
      return { token: await this.#prepare(applications, serving, ctx.from), serving };
    });
    port.handle('main.apps-commit', async (params) => {
      await this.#commit(params);
      return {};
    });
    port.onNotify('main.apps-abandon', ({ token }) => this.#abandon(token));
    port.handle('main.app-restart', async ({ name }) => {
      const supervisor = this.#supervisors.get(name);
      if (!supervisor) throw new WeftError(ErrorCodes.APP_UNKNOWN, `no application "${name}" is running`);
      await supervisor.restart();
      return {};
    });
    port.handle('main.apps-status', () => this.status());
    port.handle('main.apps-metrics', async () => {
      // Each process's own count of what it answered on its listeners, and main's.
      const asks = [...this.#records.keys()].map((key) =>
        port.call(key, 'app.metrics', {}, { timeoutMs: 2000 }).then(
          (r) => {
            if (this.#records.has(key)) this.#lastSeen.set(key, r.value.snapshot);
            return r.value.snapshot;
          },
          () => this.#lastSeen.get(key) ?? [],
        ),
      );
      const live = await Promise.all(asks);
      const ending = [...this.#ending].map((key) => this.#lastSeen.get(key) ?? []);
      return { snapshots: [this.#metrics.registry.snapshot(), this.#departed, ...ending, ...live] };
    });

    processes.on('ready', (entry) => {
      if (entry.type === 'router') this.#wireRouter(entry);
    });
    processes.on('exit', ({ entry }) => {
      if (entry.type === 'prototype') {
        for (const s of this.#allSupervisors()) {
          const gen = s.generationOf(entry.pid);
          if (gen) s.onPrototypeExit(gen);
        }
      }
      if (entry.type === 'router') {
        for (const [token, p] of this.#prepared) if (p.router === entry.pid) this.#abandon(token);
        for (const s of this.#allSupervisors()) s.routerGone(entry.pid);
      }
    });
  }

  #make: (name: string, config: unknown) => AppSupervisor;

  #allSupervisors(): AppSupervisor[] {
    return [...this.#all];
  }

  #generationOf(prototypePid: number): AppGeneration | undefined {
    for (const s of this.#allSupervisors()) {
      const gen = s.generationOf(prototypePid);
      if (gen) return gen;
    }
    return undefined;
  }

  /**
   * Start-up: the applications of the configuration main loaded start now,
   * beside the controller and the router (see above).
   */
  prestart(applications: Record<string, unknown> | undefined): void {
    for (const [name, config] of Object.entries(applications ?? {})) {
      const supervisor = this.#make(name, config);
      const prepared = supervisor.prepare();
      // Its failure is the first configuration's to report (or nobody's, if that does not ask for it).
      prepared.catch(() => undefined);
      this.#early.set(name, { supervisor, prepared });
    }
  }

  /** What prestart() started for `name` with this configuration, taken once. */
  #takeEarly(name: string, config: unknown): { supervisor: AppSupervisor; prepared: Promise<void> } | undefined {
    const early = this.#early.get(name);
    // (One whose start failed is taken too: its failure is this configuration's.)
    if (!early || !isDeepStrictEqual(early.supervisor.config, config)) return undefined;
    this.#early.delete(name);
    return early;
  }

  /** The first configuration is applied or abandoned: what it did not take of prestart()'s goes. */
  #dropEarly(): void {
    for (const { supervisor } of this.#early.values()) supervisor.retire();
    this.#early.clear();
  }

  async #prepare(applications: Record<string, unknown>, serving: Record<string, AppServing>, router: number): Promise<number> {
    const next = new Map<string, AppSupervisor>();
    const fresh: AppSupervisor[] = [];
    const starts: Array<Promise<void>> = [];
    for (const [name, config] of Object.entries(applications ?? {})) {
      const existing = this.#supervisors.get(name);
      const early = existing ? undefined : this.#takeEarly(name, config);
      if (existing && !existing.retired && isDeepStrictEqual(existing.config, config)) {
        next.set(name, existing);
      } else if (early) {
        fresh.push(early.supervisor);
        next.set(name, early.supervisor);
        starts.push(early.prepared);
      } else {
        const s = this.#make(name, config);
        fresh.push(s);
        next.set(name, s);
        starts.push(s.prepare());
      }
    }
    const token = ++this.#tokens;
    this.#prepared.set(token, { router, next, fresh, serving });
    const results = await Promise.allSettled(starts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.#abandon(token);
      throw failed.reason;
    }
    // The router died (or gave up) while these started.
    if (!this.#prepared.has(token))
      throw new WeftError(ErrorCodes.APP_UNKNOWN, 'the configuration was abandoned while its applications started');
    return token;
  }

  /** How each application's processes take requests, as its plugin says. */
  #serving(applications: Record<string, unknown>): Record<string, AppServing> {
    const out: Record<string, AppServing> = {};
    for (const [name, config] of Object.entries(applications ?? {})) {
      const module = resolveAppType(String((config as { type?: unknown }).type), this.#o.modules());
      const found = this.#o.modules().find((m) => m.type === module?.type && m.version === module?.version);
      out[name] = found?.serving ?? { engine: false, transport: 'http' };
    }
    return out;
  }

  #abandon(token: number): void {
    this.#dropEarly();
    const p = this.#prepared.get(token);
    if (!p) return;
    this.#prepared.delete(token);
    for (const s of p.fresh) s.retire();
  }

  /** Resolves once the application processes that serve have the new configuration. */
  #commit({ token, direct, engine, serverHeader }: AppsCommitParams): Promise<void> {
    this.#dropEarly();
    const p = this.#prepared.get(token);
    if (!p) throw new WeftError(ErrorCodes.APP_UNKNOWN, `no prepared configuration ${token}`);
    this.#prepared.delete(token);
    for (const [name, s] of this.#supervisors) if (p.next.get(name) !== s) s.retire();
    this.#supervisors = p.next;
    // Every process that runs the request engine gets it (and the access log):
    // besides the listeners it accepts on, and those whose connections the
    // router hands it, it may hold connections of others from before this
    // change, which its engine goes on serving as their listeners now say.
    const logFd = this.#accessLogFd(
      engine.access_log,
      Object.values(p.serving).some((x) => x.engine),
    );
    const taken: Array<Promise<void>> = [];
    for (const [name, s] of p.next) {
      const listeners: string[] = [];
      const fds: number[] = [];
      for (const address of direct[name] ?? []) {
        const socket = this.#o.listenSockets.get(this.#o.listenSockets.keyOf(address));
        if (!socket) continue;
        listeners.push(address);
        fds.push(socket.fd);
      }
      const routes = p.serving[name]?.engine === true;
      const accessLog = routes && logFd !== undefined;
      if (accessLog) fds.push(logFd);
      const committed = s.commit({
        params: {
          listeners,
          engine: routes ? engine : null,
          app: name,
          accessLog,
          serverHeader,
          requestLimit: s.requestLimit,
          timeoutMs: s.timeoutMs,
        },
        fds,
      });
      taken.push(committed);
    }
    return Promise.all(taken).then(() => undefined);
  }

  /**
   * The access log for application processes that accept on their own:
   * main opens it (they may not be allowed to) and keeps one fd while the
   * path stays the same; each process gets its own copy.
   */
  #accessLogFd(config: AccessLogConfig | undefined, wanted: boolean): number | undefined {
    const path = config === undefined || !wanted ? undefined : accessLogPath(config);
    if (this.#accessLog && this.#accessLog.path !== path) {
      const old = this.#accessLog.fd;
      // Processes still being sent the old offer get theirs first.
      setTimeout(() => fs.closeSync(old), 1000).unref();
      this.#accessLog = undefined;
    }
    if (path === undefined) return undefined;
    if (!this.#accessLog) {
      try {
        this.#accessLog = { path, fd: openForAppend(path) };
      } catch (e) {
        this.#o.log.error(`cannot open the access log "${path}" for application processes: ${(e as Error).message}`);
        return undefined;
      }
    }
    return this.#accessLog.fd;
  }

  /** SIGUSR1: the access log was rotated: application processes get it opened again. */
  reopenAccessLog(): void {
    const current = this.#accessLog;
    if (!current) return;
    let fd: number;
    try {
      fd = openForAppend(current.path);
    } catch (e) {
      this.#o.log.alert(`cannot reopen the access log "${current.path}": ${(e as Error).message}`);
      return;
    }
    this.#accessLog = { path: current.path, fd };
    for (const s of this.#supervisors.values()) s.swapAccessLog(fd);
    setTimeout(() => fs.closeSync(current.fd), 1000).unref();
  }

  /** Tells every router of a process that serves (with a channel to it), or of a change of its state. */
  #announce(app: string, record: AppProcessRecord): void {
    this.#toRouters((router) => {
      if (record.state === 'ready') this.#connect(router, app, record);
      else this.#o.port.notify(router, 'router.app-state', { app, key: record.key, state: record.state });
    });
  }

  #connect(router: number, app: string, record: AppProcessRecord): void {
    const { port } = this.#o;
    const routerInfo = port.peers().find((p) => p.pid === router);
    if (!routerInfo || !port.has(record.key)) return;
    const [ours, theirs] = socketPair();
    try {
      port.send(record.key, MessageType.NEW_PORT, { peer: routerInfo }, { fds: [theirs] });
      port.notify(router, 'router.app-process', { app, key: record.key, generation: record.generation, name: `"${app}" application` }, [
        ours,
      ]);
    } finally {
      fs.closeSync(ours);
      fs.closeSync(theirs);
    }
  }

  /** A (new) router gets a channel to every process that serves, and learns what is failing. */
  #wireRouter(router: ProcessEntry): void {
    for (const { record, supervisor } of this.#records.values()) {
      if (record.state === 'ready' || record.state === 'stopping') {
        this.#connect(router.pid, supervisor.name, record);
        if (record.state === 'stopping') {
          this.#o.port.notify(router.pid, 'router.app-state', { app: supervisor.name, key: record.key, state: 'stopping' });
        }
      }
    }
    for (const s of this.#supervisors.values()) {
      const reason = s.failingReason();
      if (reason !== null) this.#o.port.notify(router.pid, 'router.app-failing', { app: s.name, reason });
    }
  }

  #toRouters(each: (pid: number) => void): void {
    for (const r of this.#o.processes.ofType('router')) if (r.state === 'ready') each(r.pid);
  }

  /** Folds what an ended process counted into the totals (its gauges end with it). */
  #keep(snapshot: MetricsSnapshot | undefined): void {
    if (!snapshot) return;
    this.#departed = mergeSnapshots([this.#departed, snapshot.filter((f) => f.type !== 'gauge')]);
  }

  status(): AppsStatus {
    const applications: AppsStatus['applications'] = {};
    for (const [name, s] of this.#supervisors) applications[name] = s.status();
    const direct = { ...this.#lost };
    for (const { record } of this.#records.values()) {
      direct.accepted += record.direct.accepted;
      direct.closed += record.direct.closed;
      direct.requests += record.direct.requests;
      direct.active += record.direct.active;
    }
    return { applications, direct };
  }

  /** A graceful stop: every application's processes finish what they hold (within graceMs) and go. */
  drain(graceMs: number): Promise<void> {
    const all = this.#allSupervisors().map((s) => s.retire(graceMs));
    this.#supervisors.clear();
    return Promise.all(all).then(() => undefined);
  }

  /**
   * Shutdown: every application stops. Resolves once the processes main
   * started itself are gone (SIGTERM, then SIGKILL: what a prototype does
   * with its own when main stops it).
   */
  retireAll(): Promise<void> {
    if (this.#accessLog) fs.closeSync(this.#accessLog.fd);
    this.#accessLog = undefined;
    const all = this.#allSupervisors();
    for (const s of all) s.retire();
    this.#supervisors.clear();
    this.#prepared.clear();
    this.#early.clear();
    return Promise.all(all.map((s) => s.terminate())).then(() => undefined);
  }
}
