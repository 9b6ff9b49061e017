// How many router workers run. `--routers N`: N, always. `--routers auto`
// (the default): one per CPU while the configuration has a listener the
// routers accept themselves (TLS, a share or proxy in front of several apps:
// there they carry every request), and one while application processes
// accept every listener (the router then only stands in for them, relays
// what is not their app's and takes the control API's traffic: a second
// worker would cost a Node process of memory for nothing). The controller
// says which after each configuration it applied (main.router-listeners).
// Workers beyond the count are drained (no new connection; those open
// finish, within --stop-timeout) and stopped, never restarted.
import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import type { ProcessManager } from '../../kernel/processes/process-manager.js';
import type { ProcessEntry } from '../../kernel/processes/process-table.js';
import '../../protocol/application.js';
import '../../protocol/router.js';

export interface RouterScalingOptions {
  /** Workers at most (the fixed count without `auto`). */
  max: number;
  auto: boolean;
  /** How long a retired worker's connections may take to finish. */
  graceMs: number;
}

export class RouterScaling {
  readonly #processes: ProcessManager;
  readonly #port: Port;
  readonly #log: Logger;
  readonly #o: RouterScalingOptions;
  #wanted: number;
  #next = 0;

  constructor(processes: ProcessManager, port: Port, log: Logger, options: RouterScalingOptions) {
    this.#processes = processes;
    this.#port = port;
    this.#log = log;
    this.#o = options;
    this.#wanted = options.auto ? 1 : options.max;
    // A worker restarted after a crash while fewer were wanted is one too many.
    processes.on('ready', (entry) => {
      if (entry.type === 'router') this.#reconcile();
    });
  }

  /** Starts the first workers; resolves once they are READY. */
  start(): Array<Promise<ProcessEntry>> {
    return Array.from({ length: this.#wanted }, () => this.#startOne());
  }

  /** The controller's word after a configuration: do the routers accept on a listener themselves? */
  accepting(yes: boolean): void {
    if (!this.#o.auto) return;
    const wanted = yes ? this.#o.max : 1;
    if (wanted === this.#wanted) return;
    this.#log.info(
      `${wanted} router worker${wanted === 1 ? '' : 's'}: ${yes ? "a listener is the routers' own" : 'application processes accept every listener'}`,
    );
    this.#wanted = wanted;
    this.#reconcile();
  }

  #live(): ProcessEntry[] {
    return this.#processes.ofType('router').filter((r) => !this.#processes.retired(r.pid));
  }

  #reconcile(): void {
    if (this.#processes.quitting) return;
    const live = this.#live();
    for (let n = live.length; n < this.#wanted; n++) {
      this.#startOne().catch((e: Error) => this.#log.alert(e.message));
    }
    // The newest go first: the oldest have run longest without trouble.
    for (const entry of live.slice(this.#wanted).reverse()) void this.#retire(entry);
  }

  #startOne(): Promise<ProcessEntry> {
    return this.#processes.start('router', { worker: this.#next++ });
  }

  async #retire(entry: ProcessEntry): Promise<void> {
    const { pid } = entry;
    this.#processes.retire(pid);
    // Application processes relay what is not their app's to a router: not to this one any more.
    for (const app of this.#port.peersOfType('application')) this.#port.notify(app.pid, 'app.router-retiring', { pid });
    const graceMs = this.#o.graceMs;
    if (entry.state === 'ready') {
      await this.#port.call(pid, 'router.drain', { graceMs }, { timeoutMs: graceMs + 2000 }).catch(() => undefined);
    }
    await this.#processes.stop(pid, 2000);
  }
}
