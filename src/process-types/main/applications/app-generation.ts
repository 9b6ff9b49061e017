// One generation of an application: a prototype (created by main inside
// the app's isolation) and the application processes it starts on main's
// request. It owns them: stop() ends every process, then the prototype,
// and with them every channel main held for them. A restart or a changed
// configuration makes a new generation; the old one drains and goes.
import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import type { ProcessManager } from '../../../kernel/processes/process-manager.js';
import type { AppProcessState } from '../../../protocol/application.js';
import type { AppLauncher } from './app-launcher.js';
import { AppProcessRecord, syntheticKey } from './app-process-record.js';
import { globalPid } from './global-pid.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

export interface GenerationHost {
  port: Port;
  log: Logger;
  launcher: AppLauncher;
  processes: ProcessManager;
  /** A process of this generation exists (messages from it find it by key). */
  track(record: AppProcessRecord, generation: AppGeneration): void;
  untrack(record: AppProcessRecord): void;
  /** A process ended; `code`/`signal` as the prototype saw them. */
  exited(generation: AppGeneration, record: AppProcessRecord, code: number | null, signal: string | null, was: AppProcessState): void;
}

let generations = 0;

export class AppGeneration {
  readonly app: string;
  readonly number = ++generations;
  readonly config: Record<string, unknown>;
  prototypePid = 0;
  readonly processes = new Map<number, AppProcessRecord>();
  #byLocal = new Map<number, AppProcessRecord>();
  #host: GenerationHost;
  #stopping: Promise<void> | undefined;
  #prototypeGone = false;

  constructor(app: string, config: Record<string, unknown>, host: GenerationHost) {
    this.app = app;
    this.config = config;
    this.#host = host;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Its prototype runs (0: not started yet; -1: it could not start). */
  get prototypeAlive(): boolean {
    return this.prototypePid > 0 && !this.#prototypeGone;
  }

  /** Starts the prototype; rejects with why (bad user, isolation that fails, plugin refusal). */
  async start(): Promise<void> {
    const { pid } = await this.#host.launcher.start({ app: this.app, generation: this.number, config: this.config });
    this.prototypePid = pid;
    // Stopped while its prototype was starting: it goes now.
    if (this.#stopping) void this.#host.processes.stop(pid);
  }

  /** Starts one application process (not yet ready: await its record's `ready`). */
  async spawn(startTimeoutMs: number): Promise<AppProcessRecord> {
    if (this.#stopping || !this.prototypeAlive) throw new WeftError(ErrorCodes.APP_PROCESS, 'its generation is stopping');
    const { port } = this.#host;
    const { value, fds } = await port.call(this.prototypePid, 'prototype.spawn', { startTimeoutMs });
    const key = globalPid(this.prototypePid, value.pid) ?? syntheticKey();
    const record = new AppProcessRecord(key, value.pid, this.number);
    this.processes.set(key, record);
    this.#byLocal.set(value.pid, record);
    this.#host.track(record, this);
    port.link({ pid: key, type: 'application', cls: 'app', name: `"${this.app}" application` }, fds[0]);
    return record;
  }

  /** The prototype reported an exit of one of its processes. */
  onExit(localPid: number, code: number | null, signal: string | null): void {
    const record = this.#byLocal.get(localPid);
    if (record) this.#exited(record, code, signal);
  }

  /** The prototype itself is gone: its processes died with it (they are its children, with PDEATHSIG). */
  onPrototypeExit(): void {
    this.#prototypeGone = true;
    for (const record of [...this.processes.values()]) this.#exited(record, null, 'SIGKILL');
  }

  #exited(record: AppProcessRecord, code: number | null, signal: string | null): void {
    if (!this.processes.has(record.key)) return;
    const was = record.state;
    this.processes.delete(record.key);
    this.#byLocal.delete(record.localPid);
    record.markFailed(signal ? `the process exited on signal ${signal}` : `the process exited with code ${code}`);
    record.gone();
    this.#host.port.unlink(record.key);
    this.#host.untrack(record);
    this.#host.exited(this, record, code, signal, was);
  }

  kill(record: AppProcessRecord, signal: NodeJS.Signals): void {
    if (!this.prototypeAlive) return;
    void this.#host.port.call(this.prototypePid, 'prototype.kill', { pid: record.localPid, signal }).catch(() => undefined);
  }

  /** Asks one process to finish its requests (within graceMs) and exit; SIGKILL after that. */
  stopProcess(record: AppProcessRecord, graceMs: number): void {
    if (record.state === 'gone') return;
    record.state = 'stopping';
    this.#host.port.notify(record.key, 'app.stop', { graceMs });
    const killer = setTimeout(() => this.kill(record, 'SIGKILL'), graceMs + 2000);
    void record.finished.then(() => clearTimeout(killer));
  }

  /** Stops every process (after they finish their requests, within graceMs), then the prototype. */
  stop(graceMs: number): Promise<void> {
    this.#stopping ??= (async () => {
      const all = [...this.processes.values()];
      for (const record of all) this.stopProcess(record, graceMs);
      // A prototype that no longer reports its processes' exits must not hold this up:
      // stopping it ends them too (they die with it).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(all.map((r) => r.finished)),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs + 3000))),
      ]);
      clearTimeout(timer);
      if (this.prototypeAlive) await this.#host.processes.stop(this.prototypePid);
    })().catch((e: Error) => this.#host.log.warn(`stopping generation ${this.number} of "${this.app}" failed: ${e.message}`));
    return this.#stopping;
  }
}
