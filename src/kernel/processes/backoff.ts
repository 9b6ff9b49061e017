// How long to wait before starting again something that keeps dying: one
// rule for every supervised process (core processes in main's process
// manager, application processes in their supervisors). The first death of
// a series is answered at once (a dead router's clients wait for its
// successor: a fixed 100 ms was a third of a respawn); each further death
// of a process that died young waits BACKOFF_MIN_MS, then twice as long
// each time. A process that lived long enough to count as healthy starts a
// new series.
export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 10000;
/** A process that lived this long was not crash-looping. */
export const HEALTHY_MS = 10000;

export class Backoff {
  /** The last delay; -1 before the first death of a series. */
  #delay = -1;

  /** The delay before the next start, after a death of something that lived `livedMs`. */
  next(livedMs: number): number {
    if (livedMs >= HEALTHY_MS) this.#delay = -1;
    this.#delay = this.#delay < 0 ? 0 : this.#delay === 0 ? BACKOFF_MIN_MS : Math.min(this.#delay * 2, BACKOFF_MAX_MS);
    return this.#delay;
  }

  /** It keeps dying: the third death in a row or later. */
  get repeated(): boolean {
    return this.#delay > BACKOFF_MIN_MS;
  }

  reset(): void {
    this.#delay = -1;
  }
}
