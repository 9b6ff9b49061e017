// How long to wait before starting again something that keeps dying: one
// rule for every supervised process (core processes in main's process
// manager, application processes in their supervisors). The delay doubles
// with each death of a process that died young, and starts over once one
// has lived long enough to count as healthy.
export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 10000;
/** A process that lived this long was not crash-looping. */
export const HEALTHY_MS = 10000;

export class Backoff {
  #delay = 0;

  /** The delay before the next start, after a death of something that lived `livedMs`. */
  next(livedMs: number): number {
    this.#delay = livedMs >= HEALTHY_MS || this.#delay === 0 ? BACKOFF_MIN_MS : Math.min(this.#delay * 2, BACKOFF_MAX_MS);
    return this.#delay;
  }

  /** Deaths in a row so far (1 for the first of a series). */
  get repeated(): boolean {
    return this.#delay > BACKOFF_MIN_MS;
  }

  reset(): void {
    this.#delay = 0;
  }
}
