// Closing the idle keep-alive connections of a draining process. A
// connection is closed once it has stayed idle (no request in progress,
// nothing read or written) for a whole grace period. Closing every
// connection that is idle at some instant (http.Server's
// closeIdleConnections) also closes one whose response has just gone out
// while its client's next request is on the way: that request then fails
// with a hang-up or a reset instead of being answered with
// "Connection: close".

/** How long a draining process leaves a keep-alive connection idle before it closes it. */
export const IDLE_CLOSE_GRACE_MS = 1000;

/** What the sweep needs of a connection (a net.Socket). */
export interface SweptConnection {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly destroyed: boolean;
  destroy(): void;
}

interface Seen {
  read: number;
  written: number;
  since: number;
}

export class IdleSweep<C extends SweptConnection> {
  readonly #graceMs: number;
  #seen = new Map<C, Seen>();

  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** One pass at `now` (ms): closes the connections idle and quiet for the grace; returns how many. */
  sweep(connections: Iterable<C>, busy: (c: C) => boolean, now: number): number {
    let closed = 0;
    const seen = new Map<C, Seen>();
    for (const c of connections) {
      if (c.destroyed || busy(c)) continue;
      const before = this.#seen.get(c);
      if (before === undefined || before.read !== c.bytesRead || before.written !== c.bytesWritten) {
        seen.set(c, { read: c.bytesRead, written: c.bytesWritten, since: now });
      } else if (now - before.since >= this.#graceMs) {
        c.destroy();
        closed++;
      } else {
        seen.set(c, before);
      }
    }
    // Busy or gone since: a later idle spell starts its grace anew.
    this.#seen = seen;
    return closed;
  }
}

/** Sweeps `connections` four times per grace until the returned timer is cleared (it keeps no process alive). */
export function sweepIdle<C extends SweptConnection>(
  connections: Iterable<C>,
  busy: (c: C) => boolean,
  graceMs = IDLE_CLOSE_GRACE_MS,
): NodeJS.Timeout {
  const idle = new IdleSweep<C>(graceMs);
  return setInterval(() => idle.sweep(connections, busy, Date.now()), graceMs / 4).unref();
}
