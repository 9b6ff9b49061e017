// The router's view of applications: the processes main told it about (with
// a channel to each), and the dispatch of requests to them. Main supervises
// (starts, replaces, stops); the router only chooses: an idle process if
// there is one; when all are busy and the pool may grow, the request waits
// (main hears of the demand and starts one, within its pace) until a process
// frees up or a new one serves; at the pool's max, the least busy takes it.
// An application that cannot start gets 503 at once, not after the wait.
import { EventEmitter } from 'node:events';

import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import { ERROR_STATUS, ErrorCodes, WeftError } from '../../../errors.js';
import '../../../protocol/application.js';
import '../../../protocol/main.js';
import { errorResponse } from '../../../request/error-response.js';
import type { RequestContext } from '../../../request/request-context.js';
import { forwardToAppFrames } from './app-frames-request.js';
import { forwardToApp } from './app-request.js';
import { sendContinue } from '../../../request/expect-continue.js';
import { AppProcess } from './app-process.js';

/** How often a request no process read is offered again before it gets 502. */
const MAX_ATTEMPTS = 4;
/** How long a request waits for a process before it gets 503. */
const QUEUE_TIMEOUT_MS = 30000;

/** What a configuration says of an application that dispatch needs. */
export interface AppLimits {
  /** processes.max (the pool grows to it; past it requests share processes). */
  max: number;
  /** limits.timeout in ms (0: none). */
  timeoutMs: number;
  /** What its processes speak (from its plugin). */
  transport: 'http' | 'frames';
}

interface Waiter {
  resolve: (p: AppProcess) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class AppEntry {
  readonly name: string;
  readonly processes = new Map<number, AppProcess>();
  failing: string | null = null;
  waiters: Waiter[] = [];
  /** The demand main last heard of (0 or more waiting). */
  reported = 0;
  /** Turns of handed connections. */
  nextTaker = 0;

  constructor(name: string) {
    this.name = name;
  }

  ready(): AppProcess[] {
    const out: AppProcess[] = [];
    for (const p of this.processes.values()) if (p.accepting) out.push(p);
    return out;
  }
}

/** A process given a request: counted at once, so that the next request sees it busy. */
function taken(p: AppProcess): AppProcess {
  p.active++;
  return p;
}

export class AppDirectory extends EventEmitter<{ serving: [app: string, serving: boolean] }> {
  #apps = new Map<string, AppEntry>();
  #byKey = new Map<number, AppProcess>();
  #port: Port;
  #mainPid: number;
  #log: Logger;

  constructor(options: { port: Port; mainPid: number; log: Logger }) {
    super();
    this.#port = options.port;
    this.#mainPid = options.mainPid;
    this.#log = options.log;
    const { port } = options;
    port.onNotify('router.app-process', ({ app, key, generation, name }, { fds }) => {
      if (fds[0] === undefined) return;
      const old = this.#byKey.get(key);
      if (old) old.markGone();
      port.link({ pid: key, type: 'application', cls: 'app', name }, fds[0]);
      const p = new AppProcess(port, app, key, generation);
      this.#byKey.set(key, p);
      const entry = this.#entry(app);
      const before = entry.ready().length;
      entry.processes.set(key, p);
      entry.failing = null;
      this.#wake(entry);
      if (before === 0) this.emit('serving', app, true);
    });
    port.onNotify('router.app-state', ({ app, key, state }) => {
      const p = this.#byKey.get(key);
      if (!p) return;
      const entry = this.#entry(app);
      const before = entry.ready().length;
      if (state === 'gone') this.#remove(entry, p);
      else if (state === 'stopping') p.stopAccepting();
      if (before > 0 && entry.ready().length === 0) this.emit('serving', app, false);
    });
    port.onNotify('router.app-failing', ({ app, reason }) => {
      const entry = this.#entry(app);
      entry.failing = reason;
      if (reason === null) return;
      for (const w of entry.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new WeftError(ErrorCodes.APP_UNAVAILABLE, `it cannot start: ${reason}`));
      }
      this.#report(entry);
    });
    // A process that died (or whose channel main closed) takes no more work.
    port.on('peer-closed', (peer) => {
      const p = this.#byKey.get(peer.pid);
      if (!p) return;
      const entry = this.#entry(p.app);
      const before = entry.ready().length;
      this.#remove(entry, p);
      if (before > 0 && entry.ready().length === 0) this.emit('serving', p.app, false);
    });
  }

  /**
   * A process of the application to hand a client connection to (the
   * processes that take work, in turn), or undefined when none does.
   */
  connectionTaker(name: string): AppProcess | undefined {
    const entry = this.#apps.get(name);
    if (!entry) return undefined;
    const ready = entry.ready();
    if (ready.length === 0) return undefined;
    return ready[entry.nextTaker++ % ready.length];
  }

  /** Requests waiting for a process, by application. */
  waiting(): Array<[string, number]> {
    return [...this.#apps.values()].map((e) => [e.name, e.waiters.length]);
  }

  /** Does the application have a process that takes work? */
  serving(name: string): boolean {
    return (this.#apps.get(name)?.ready().length ?? 0) > 0;
  }

  #entry(name: string): AppEntry {
    let entry = this.#apps.get(name);
    if (!entry) this.#apps.set(name, (entry = new AppEntry(name)));
    return entry;
  }

  #remove(entry: AppEntry, p: AppProcess): void {
    if (this.#byKey.get(p.key) === p) this.#byKey.delete(p.key);
    if (entry.processes.get(p.key) === p) entry.processes.delete(p.key);
    p.markGone();
  }

  /** A request to an application: a process for it, the request forwarded, the answer streamed back. */
  async handle(ctx: RequestContext, name: string, limits: AppLimits, target?: string): Promise<void> {
    const entry = this.#entry(name);
    // The frames runtimes (Python) are asked for a body as servers such as gunicorn do: 100 Continue at once.
    if (limits.transport === 'frames') sendContinue(ctx.res);
    // A request a process never read (it died with it queued) goes to another.
    for (let attempt = 0; ; attempt++) {
      // Let the news of a death (its channel closing) arrive before choosing again.
      if (attempt > 0) await new Promise((resolve) => setImmediate(resolve));
      let p: AppProcess;
      try {
        p = await this.#acquire(entry, limits);
      } catch (e) {
        ctx.log('error', `application "${name}": ${(e as Error).message}`);
        errorResponse(ctx, ERROR_STATUS[ErrorCodes.APP_UNAVAILABLE]!);
        return;
      }
      let outcome;
      try {
        const onTimeout = (): void => this.#timedOut(p, limits.timeoutMs);
        outcome =
          limits.transport === 'frames'
            ? await forwardToAppFrames(ctx, p, target, limits.timeoutMs, onTimeout)
            : await forwardToApp(ctx, p, limits.timeoutMs, onTimeout);
      } finally {
        p.active--;
        this.#wake(entry);
      }
      if (outcome === 'done') return;
      if (attempt >= MAX_ATTEMPTS) {
        errorResponse(ctx, ERROR_STATUS[ErrorCodes.APP_NO_ANSWER]!);
        return;
      }
    }
  }

  #acquire(entry: AppEntry, limits: AppLimits): Promise<AppProcess> {
    const ready = entry.ready();
    const idle = ready.find((p) => p.active === 0);
    if (idle) return Promise.resolve(taken(idle));
    if (entry.failing !== null && ready.length === 0)
      return Promise.reject(new WeftError(ErrorCodes.APP_UNAVAILABLE, `it cannot start: ${entry.failing}`));
    if (ready.length > 0 && ready.length >= limits.max) return Promise.resolve(taken(leastBusy(ready)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.waiters = entry.waiters.filter((w) => w.timer !== timer);
        this.#report(entry);
        reject(new WeftError(ErrorCodes.APP_UNAVAILABLE, `no process was free within ${QUEUE_TIMEOUT_MS / 1000} s`));
      }, QUEUE_TIMEOUT_MS);
      entry.waiters.push({ resolve, reject, timer });
      this.#report(entry);
    });
  }

  /** Waiting requests go to processes that are free (or, once no more can start, to the least busy). */
  #wake(entry: AppEntry): void {
    while (entry.waiters.length > 0) {
      const ready = entry.ready();
      const free = ready.find((p) => p.active === 0);
      if (!free) break;
      const w = entry.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(taken(free));
    }
    this.#report(entry);
  }

  /** Main hears when requests start waiting and when none wait any more (it paces the starts itself). */
  #report(entry: AppEntry): void {
    const waiting = entry.waiters.length;
    if (waiting > 0 === entry.reported > 0) return;
    entry.reported = waiting;
    this.#port.notify(this.#mainPid, 'main.app-demand', { app: entry.name, waiting });
  }

  /** limits.timeout: the client already got 503; main replaces the process. */
  #timedOut(p: AppProcess, timeoutMs: number): void {
    if (p.gone) return;
    this.#log.error(`application "${p.app}" process ${p.pid || p.key} did not answer within ${timeoutMs / 1000} s; stopping it`);
    p.stopAccepting();
    this.#port.notify(this.#mainPid, 'main.app-timeout', { app: p.app, key: p.key });
  }

  /** Requests of an application that a configuration no longer has: they wait no more. */
  forget(names: Set<string>): void {
    for (const [name, entry] of this.#apps) {
      if (names.has(name)) continue;
      for (const w of entry.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new WeftError(ErrorCodes.APP_UNAVAILABLE, 'the application was removed'));
      }
      if (entry.processes.size === 0) this.#apps.delete(name);
    }
  }
}

function leastBusy(ready: AppProcess[]): AppProcess {
  return ready.reduce((a, b) => (b.active < a.active ? b : a));
}
