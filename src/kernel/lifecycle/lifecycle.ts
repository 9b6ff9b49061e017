// Named, ordered phases for everything a process is made of (in the spirit
// of Caddy's provision/start/stop and NestJS's hooks): participants register
// in dependency order; configure runs for all, then setup for all, then
// start; stop runs in reverse. A failed setup or start rolls back what had
// already come up, and the error names both the failure and any rollback
// failure.
import { ErrorCodes, WeftError } from '../../errors.js';

export interface LifecycleParticipant {
  readonly name: string;
  /** Read options; no side effects. */
  configure?(): void | Promise<void>;
  /** Acquire resources (sockets, files, threads). */
  setup?(): void | Promise<void>;
  /** Begin serving. */
  start?(): void | Promise<void>;
  /** Release everything; called in reverse order, also on rollback. */
  stop?(reason: string): void | Promise<void>;
}

export type LifecyclePhase = 'registering' | 'configured' | 'set-up' | 'started' | 'stopping' | 'stopped' | 'failed';

export class Lifecycle {
  #participants: LifecycleParticipant[] = [];
  #acquired: LifecycleParticipant[] = []; // set up or started: must be stopped
  #phase: LifecyclePhase = 'registering';

  get phase(): LifecyclePhase {
    return this.#phase;
  }

  register(participant: LifecycleParticipant): void {
    if (this.#phase !== 'registering') {
      throw new WeftError(ErrorCodes.LIFECYCLE, `cannot register "${participant.name}" after start-up began`);
    }
    if (this.#participants.some((p) => p.name === participant.name)) {
      throw new WeftError(ErrorCodes.LIFECYCLE, `"${participant.name}" is registered twice`);
    }
    this.#participants.push(participant);
  }

  /** configure -> setup -> start, rolling back on failure. */
  async start(): Promise<void> {
    await this.setUp();
    await this.startUp();
  }

  /** configure and setup for all participants. */
  async setUp(): Promise<void> {
    await this.#guard(async () => {
      for (const p of this.#participants) await p.configure?.();
      this.#phase = 'configured';
      for (const p of this.#participants) {
        this.#acquired.push(p);
        await this.#run(p, 'setup');
      }
      this.#phase = 'set-up';
    });
  }

  /** start for all participants (after setUp). */
  async startUp(): Promise<void> {
    if (this.#phase !== 'set-up') {
      throw new WeftError(ErrorCodes.LIFECYCLE, `cannot start from phase "${this.#phase}"`);
    }
    await this.#guard(async () => {
      for (const p of this.#participants) await this.#run(p, 'start');
      this.#phase = 'started';
    });
  }

  async #guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#phase = 'failed';
      const rollback = await this.#stopAcquired('start-up failed');
      if (rollback.length > 0) {
        throw new WeftError(
          ErrorCodes.LIFECYCLE,
          `${(error as Error).message}; rolling back also failed: ${rollback.map((e) => e.message).join('; ')}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Stops everything that came up, in reverse order. Errors are returned, not thrown: all must get a chance to stop. */
  async stop(reason: string): Promise<Error[]> {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return [];
    this.#phase = 'stopping';
    const errors = await this.#stopAcquired(reason);
    this.#phase = 'stopped';
    return errors;
  }

  async #run(p: LifecycleParticipant, phase: 'setup' | 'start'): Promise<void> {
    try {
      await p[phase]?.();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new WeftError(ErrorCodes.LIFECYCLE, `${p.name}: ${phase} failed: ${message}`, { cause: e });
    }
  }

  async #stopAcquired(reason: string): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.#acquired.length > 0) {
      const p = this.#acquired.pop()!;
      try {
        await p.stop?.(reason);
      } catch (e) {
        errors.push(new WeftError(ErrorCodes.LIFECYCLE, `${p.name}: stop failed: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
    return errors;
  }
}
