// One generation of an application: a prototype (made by main inside the
// app's isolation) and the application processes it starts for the router.
// A restart makes a new generation; the old one finishes its requests and
// goes.
import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import '../../application/protocol.js';
import '../../main/protocol.js';
import { AppProcess } from './app-process.js';

export interface GenerationEvents {
  /** A process ended; `expected` when it was being stopped. */
  exited(process: AppProcess, code: number | null, signal: string | null, expected: boolean): void;
}

export class Generation {
  readonly app: string;
  readonly number: number;
  readonly processes = new Map<number, AppProcess>();
  prototypePid = 0;
  #port: Port;
  #mainPid: number;
  #log: Logger;
  #events: GenerationEvents;
  #byLocal = new Map<number, AppProcess>();
  #stopping = false;

  constructor(options: { app: string; number: number; port: Port; mainPid: number; log: Logger; events: GenerationEvents }) {
    this.app = options.app;
    this.number = options.number;
    this.#port = options.port;
    this.#mainPid = options.mainPid;
    this.#log = options.log;
    this.#events = options.events;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts the prototype; rejects with main's reason (bad user, isolation that fails, plugin refusal). */
  async start(config: Record<string, unknown>): Promise<void> {
    const { value } = await this.#port.call(this.#mainPid, 'main.start-app', { app: this.app, generation: this.number, config });
    this.prototypePid = value.pid;
    this.#port.on('peer-closed', (peer) => {
      if (peer.pid !== this.prototypePid) return;
      // The prototype is gone: so are its processes (they die with it).
      for (const p of [...this.processes.values()]) this.#exited(p, null, 'SIGKILL');
    });
  }

  /** Starts one application process; resolves once it serves, rejects with why it could not. */
  async spawn(): Promise<AppProcess> {
    const { value, fds } = await this.#port.call(this.prototypePid, 'prototype.spawn', {});
    const process = new AppProcess(this.#port, this.prototypePid, value.pid, this.app, fds[0]);
    this.processes.set(process.key, process);
    this.#byLocal.set(process.localPid, process);
    return process;
  }

  byKey(key: number): AppProcess | undefined {
    return this.processes.get(key);
  }

  /** The prototype reported an exit. */
  onExit(localPid: number, code: number | null, signal: string | null): void {
    const p = this.#byLocal.get(localPid);
    if (p) this.#exited(p, code, signal);
  }

  #exited(p: AppProcess, code: number | null, signal: string | null): void {
    if (!this.processes.has(p.key)) return;
    this.processes.delete(p.key);
    this.#byLocal.delete(p.localPid);
    const expected = p.state === 'stopping' || this.#stopping;
    p.markFailed(signal ? `the process exited on signal ${signal}` : `the process exited with code ${code}`);
    p.gone();
    this.#events.exited(p, code, signal, expected);
  }

  kill(p: AppProcess, signal: NodeJS.Signals): void {
    void this.#port.call(this.prototypePid, 'prototype.kill', { pid: p.localPid, signal }).catch(() => undefined);
  }

  /** Stops every process (after they finish their requests, within graceMs), then the prototype. */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const all = [...this.processes.values()];
    for (const p of all) p.stop(graceMs);
    const killer = setTimeout(() => all.forEach((p) => this.kill(p, 'SIGKILL')), graceMs + 1000);
    await Promise.all(all.map((p) => p.finished));
    clearTimeout(killer);
    if (this.prototypePid) {
      await this.#port.call(this.#mainPid, 'main.stop-app', { pid: this.prototypePid }).catch((e: Error) => {
        this.#log.warn(`stopping the prototype of "${this.app}" failed: ${e.message}`);
      });
    }
  }
}

