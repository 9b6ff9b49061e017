// The router that runs the configuration in force, as far as the control
// API is concerned. A router that has just come up (at start, or restarted
// after a crash) has no configuration until the controller's resync is
// applied; until then /status, /metrics and readiness wait for it rather
// than describe a router that serves nothing yet.
import { ErrorCodes, WeftError } from '../../errors.js';

export class ConfiguredRouter {
  #pid: number | undefined;
  #waiters: Array<(pid: number) => void> = [];
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Is a configured router up now? */
  get ready(): boolean {
    return this.#pid !== undefined;
  }

  /** The router `pid` has applied the configuration in force. */
  configured(pid: number): void {
    this.#pid = pid;
    for (const w of this.#waiters.splice(0)) w(pid);
  }

  /** The router `pid` is gone. */
  lost(pid: number): void {
    if (this.#pid === pid) this.#pid = undefined;
  }

  /** The configured router's pid, once there is one; rejects after the timeout. */
  pid(): Promise<number> {
    if (this.#pid !== undefined) return Promise.resolve(this.#pid);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        reject(new WeftError(ErrorCodes.ROUTER_UNAVAILABLE, 'the router is not running the configuration yet'));
      }, this.#timeoutMs);
      const done = (pid: number): void => {
        clearTimeout(timer);
        resolve(pid);
      };
      this.#waiters.push(done);
    });
  }
}
