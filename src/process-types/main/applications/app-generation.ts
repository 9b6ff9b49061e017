// One generation of an application: its spawner (a prototype created by
// main inside the app's isolation, or main itself when the app has no
// isolation step that needs one: app-spawner.ts) and the application
// processes it starts. It owns them: stop() ends every process, then the
// spawner, and with them every channel main held for them. A restart or a
// changed configuration makes a new generation; the old one drains and goes.
import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import type { ProcessManager } from '../../../kernel/processes/process-manager.js';
import type { AppProcessState } from '../../../protocol/application.js';
import type { AppLauncher } from './app-launcher.js';
import { AppProcessRecord, syntheticKey } from './app-process-record.js';
import type { AppSpawner } from './app-spawner.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

export interface GenerationHost {
  port: Port;
  log: Logger;
  launcher: AppLauncher;
  processes: ProcessManager;
  /** A process of this generation exists (messages from it find it by key). */
  track(record: AppProcessRecord, generation: AppGeneration): void;
  untrack(record: AppProcessRecord): void;
  /** A process ended; `code`/`signal` as its parent saw them. */
  exited(generation: AppGeneration, record: AppProcessRecord, code: number | null, signal: string | null, was: AppProcessState): void;
}

let generations = 0;

export class AppGeneration {
  readonly app: string;
  readonly number = ++generations;
  readonly config: Record<string, unknown>;
  readonly processes = new Map<number, AppProcessRecord>();
  #byLocal = new Map<number, AppProcessRecord>();
  #host: GenerationHost;
  #spawner: AppSpawner;
  #stopping: Promise<void> | undefined;
  /** A process of it served, or its failure was explained already: no more explaining. */
  #explained = false;

  constructor(app: string, config: Record<string, unknown>, host: GenerationHost) {
    this.app = app;
    this.config = config;
    this.#host = host;
    this.#spawner = host.launcher.spawner(
      { app, generation: this.number, config },
      { exited: (localPid, code, signal) => this.onExit(localPid, code, signal) },
    );
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Its prototype's pid (0: it has none, or not yet). */
  get prototypePid(): number {
    return this.#spawner.prototypePid;
  }

  /** It can start processes (its prototype runs, or main starts them). */
  get canSpawn(): boolean {
    return this.#spawner.state === 'up';
  }

  /** Its spawner could not start, or its prototype died: a new generation takes its place. */
  get broken(): boolean {
    const { state } = this.#spawner;
    return state === 'failed' || (state === 'gone' && !this.#stopping);
  }

  /** Starts its spawner; rejects with why (bad user, isolation that fails, plugin refusal). */
  async start(): Promise<void> {
    await this.#spawner.start();
    // Stopped while its spawner was starting: it goes now.
    if (this.#stopping) void this.#spawner.stop();
  }

  /** Starts one application process (not yet ready: await its record's `ready`). */
  async spawn(startTimeoutMs: number): Promise<AppProcessRecord> {
    if (this.#stopping || !this.canSpawn) throw new WeftError(ErrorCodes.APP_PROCESS, 'its generation is stopping');
    const { port } = this.#host;
    const spawned = await this.#spawner.spawn(startTimeoutMs);
    const key = spawned.globalPid ?? syntheticKey();
    const record = new AppProcessRecord(key, spawned.localPid, this.number);
    this.processes.set(key, record);
    this.#byLocal.set(spawned.localPid, record);
    this.#host.track(record, this);
    port.link({ pid: key, type: 'application', cls: 'app', name: `"${this.app}" application` }, spawned.fd);
    return record;
  }

  /** One of its processes served: from now on a failed start is the process's own story. */
  served(): void {
    this.#explained = true;
  }

  /**
   * Why a start failed, as the plugin's check sees it, once per generation
   * and only before any of its processes served (a crash loop does not run
   * the check each time): undefined when the check passes or was run.
   */
  async explainFailure(): Promise<Error | undefined> {
    if (this.#explained || this.#stopping) return undefined;
    this.#explained = true;
    return this.#spawner.explain();
  }

  /** One of its processes ended (reported by its prototype, or seen by main). */
  onExit(localPid: number, code: number | null, signal: string | null): void {
    const record = this.#byLocal.get(localPid);
    if (record) this.#exited(record, code, signal);
  }

  /** The prototype itself is gone: its processes died with it (they are its children, with PDEATHSIG). */
  onPrototypeExit(): void {
    this.#spawner.lost();
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
    this.#spawner.kill(record.localPid, signal);
  }

  /** Asks one process to finish its requests (within graceMs) and exit; SIGKILL after that. */
  stopProcess(record: AppProcessRecord, graceMs: number): void {
    if (record.state === 'gone') return;
    record.state = 'stopping';
    this.#host.port.notify(record.key, 'app.stop', { graceMs });
    const killer = setTimeout(() => this.kill(record, 'SIGKILL'), graceMs + 2000);
    void record.finished.then(() => clearTimeout(killer));
  }

  /** Stops every process (after they finish their requests, within graceMs), then the spawner. */
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
      await this.#spawner.stop();
    })().catch((e: Error) => this.#host.log.warn(`stopping generation ${this.number} of "${this.app}" failed: ${e.message}`));
    return this.#stopping;
  }

  /** Shutdown: what is left of it ends now (SIGTERM, then SIGKILL), without waiting for its requests. */
  terminate(): Promise<void> {
    return this.#spawner.stop().catch((e: Error) => this.#host.log.warn(`stopping "${this.app}" failed: ${e.message}`));
  }
}
