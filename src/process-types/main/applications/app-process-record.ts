// One application process as main sees it: its channel (keyed by its
// global pid), its state, and what it last reported of its load.
import type { AppProcessState, DirectStats } from '../../../protocol/application.js';
import { emptyDirectStats } from '../../../protocol/application.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

let syntheticKeys = 0x40000000;

/** A key for a process whose global pid /proc did not tell (it exited at once). */
export function syntheticKey(): number {
  return syntheticKeys++;
}

export class AppProcessRecord {
  /** Its global pid (or a synthetic key): how main's and the routers' ports know it. */
  readonly key: number;
  /** Its pid inside its prototype's pid namespace: how the prototype knows it. */
  readonly localPid: number;
  readonly generation: number;
  readonly startedAt = Date.now();
  state: AppProcessState = 'starting';
  /** Ended by limits.timeout (its exit is not a crash). */
  timedOut = false;
  active = 0;
  total = 0;
  direct: DirectStats = emptyDirectStats();
  idleSince: number | undefined;
  /** Why it could not start, once known. */
  failure: string | undefined;
  readonly ready: Promise<void>;
  readonly finished: Promise<void>;
  #settle!: { resolve: () => void; reject: (e: Error) => void };
  #finish!: () => void;

  constructor(key: number, localPid: number, generation: number) {
    this.key = key;
    this.localPid = localPid;
    this.generation = generation;
    this.ready = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.finished = new Promise<void>((resolve) => (this.#finish = resolve));
    // Whoever starts it awaits ready; a failure nobody waits for is not unhandled.
    this.ready.catch(() => undefined);
  }

  /** The pid to show in logs: the global one when known. */
  get pid(): number {
    return this.key < 0x40000000 ? this.key : this.localPid;
  }

  markReady(): void {
    if (this.state === 'starting') this.state = 'ready';
    this.idleSince = Date.now();
    this.#settle.resolve();
  }

  markFailed(reason: string): void {
    this.failure ??= reason;
    this.#settle.reject(new WeftError(ErrorCodes.APP_PROCESS, reason));
  }

  gone(): void {
    this.state = 'gone';
    this.#settle.reject(new WeftError(ErrorCodes.APP_PROCESS, this.failure ?? 'the process exited'));
    this.#finish();
  }
}
