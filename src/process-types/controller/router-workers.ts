// The router workers as the controller sees them: which are linked, which
// run the configuration in force, and how a configuration is applied to all
// of them at once. Applying is two steps: every worker prepares (one leads:
// main starts the applications for it; the others follow its answer), then
// every one commits, the leader last (its commit puts the applications in
// force); if any cannot prepare, all drop what they prepared. A worker that
// has just come up (at start, or restarted after a crash) has no
// configuration until it is applied to it; until one has, /status, /metrics
// and readiness wait rather than describe routers that serve nothing yet.
import { isDeepStrictEqual } from 'node:util';

import { ErrorCodes, WeftError } from '../../errors.js';
import type { Port } from '../../kernel/ports/port.js';
import type { AppServing } from '../../protocol/application.js';
import '../../protocol/router.js';

/** Attempts at a change whose leading worker went while it prepared. */
const MAX_ATTEMPTS = 3;

/** The leading worker went while preparing: the change is tried again with another. */
class WorkerGone {
  constructor(readonly cause: unknown) {}
}

export class RouterWorkers {
  readonly #port: Port;
  readonly #timeoutMs: number;
  /** Those running the configuration in force, in the order they took it. */
  #configured: number[] = [];
  #waiters: Array<() => void> = [];
  /** What the configured routers run, and the leader's answer for it. */
  #applied: { config: unknown; serving: Record<string, AppServing>; accepting: boolean } | undefined;
  /** Told after each apply whether the routers accept on a listener themselves (main sizes the workers by it). */
  readonly #report: (accepting: boolean) => void;

  constructor(port: Port, timeoutMs: number, report: (accepting: boolean) => void) {
    this.#port = port;
    this.#timeoutMs = timeoutMs;
    this.#report = report;
    port.on('peer-closed', (peer) => {
      if (peer.type === 'router') this.#configured = this.#configured.filter((pid) => pid !== peer.pid);
    });
  }

  /** Is a configured router up now? */
  get ready(): boolean {
    return this.#configured.length > 0;
  }

  /** Does router `pid` run the configuration in force? */
  runs(pid: number): boolean {
    return this.#configured.includes(pid);
  }

  /** The routers running the configuration in force, once there is one; rejects after the timeout. */
  async configured(): Promise<number[]> {
    if (this.#configured.length === 0)
      await this.#wait(() => this.#configured.length > 0, 'the router is not running the configuration yet');
    return [...this.#configured];
  }

  /**
   * Applies `config` to every linked router, all or nothing; waits for one
   * when none is up (a router restarting). When it is the configuration in
   * force, only the workers that do not run it yet take it (following what
   * the others were told), so that a new worker never waits on the others;
   * `force` applies it to all again (a certificate bundle it uses changed).
   */
  async apply(config: unknown, force = false): Promise<void> {
    // A worker that goes while it is being configured (retired by main, or
    // killed) refuses nothing: the change goes on with the others (its
    // replacement, if any, takes the configuration in force). Only the
    // leader's loss costs a new attempt, with another leader.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#applyOnce(config, force);
        return;
      } catch (e) {
        if (!(e instanceof WorkerGone) || attempt >= MAX_ATTEMPTS) throw e instanceof WorkerGone ? e.cause : e;
      }
    }
  }

  async #applyOnce(config: unknown, force: boolean): Promise<void> {
    if (this.#linked().length === 0) await this.#wait(() => this.#linked().length > 0, 'the router is not running');
    const linked = this.#linked();
    const inForce = !force && this.#applied !== undefined && this.#configured.length > 0 && isDeepStrictEqual(this.#applied.config, config);
    // One that runs the configuration in force leads (its applications are main's current ones).
    const lead = inForce ? undefined : (linked.find((pid) => this.#configured.includes(pid)) ?? linked[0]);
    const followers = linked.filter((pid) => pid !== lead && !(inForce && this.#configured.includes(pid)));
    const prepared: number[] = [];
    let serving: Record<string, AppServing>;
    let accepting: boolean;
    try {
      if (lead === undefined) {
        ({ serving, accepting } = this.#applied!);
      } else {
        try {
          ({ serving, accepting } = (await this.#port.call(lead, 'router.prepare', { config, force })).value);
        } catch (e) {
          throw this.#gone(lead) ? new WorkerGone(e) : e;
        }
        prepared.push(lead);
      }
      const results = await Promise.allSettled(
        followers.map((pid) => this.#port.call(pid, 'router.prepare', { config, serving, force }).then(() => prepared.push(pid))),
      );
      const failed = results.find((r, i): r is PromiseRejectedResult => r.status === 'rejected' && !this.#gone(followers[i]));
      if (failed) throw failed.reason;
    } catch (e) {
      for (const pid of prepared) this.#port.notify(pid, 'router.abandon', {});
      throw e;
    }
    await Promise.all(
      prepared
        .filter((pid) => pid !== lead)
        .map((pid) =>
          this.#port.call(pid, 'router.commit', {}).catch((e: Error) => {
            if (!this.#gone(pid)) throw e;
          }),
        ),
    );
    if (lead !== undefined) await this.#port.call(lead, 'router.commit', {});
    const live = new Set(this.#linked());
    const running = inForce ? [...this.#configured, ...prepared] : prepared;
    this.#configured = [...new Set(running)].filter((pid) => live.has(pid));
    this.#applied = { config, serving, accepting };
    for (const w of this.#waiters.splice(0)) w();
    this.#report(accepting);
  }

  /** Is worker `pid` gone (its channel closed)? */
  #gone(pid: number): boolean {
    return !this.#linked().includes(pid);
  }

  #linked(): number[] {
    return this.#port.peersOfType('router').map((p) => p.pid);
  }

  #wait(done: () => boolean, why: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#port.off('peer-linked', check);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#port.off('peer-linked', check);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(new WeftError(ErrorCodes.ROUTER_UNAVAILABLE, why));
      }, this.#timeoutMs);
      this.#port.on('peer-linked', check);
      this.#waiters.push(check);
    });
  }
}
