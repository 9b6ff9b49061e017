// A host-wide ceiling on application processes starting at once. Each
// start is a whole Node (or other runtime) coming up, about a core for a
// tenth of a second: however many applications want processes, and however
// large their pools, no configuration may start so many at once that the
// machine (and with it the control API) stops answering.
import os from 'node:os';

export class StartGate {
  readonly capacity: number;
  #running = 0;
  #queue: Array<() => void> = [];

  constructor(capacity = Math.max(2, 2 * os.availableParallelism())) {
    this.capacity = capacity;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves when a start may begin; every acquire() is paired with one release(). */
  acquire(): Promise<void> {
    if (this.#running < this.capacity) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running--;
  }
}
