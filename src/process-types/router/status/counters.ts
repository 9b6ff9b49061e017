// The numbers /status shows for the router: connections accepted, active
// (a request in progress), idle (open, between requests) and closed; and
// requests served. Kept as plain integers: they change on every request.
import type { Socket } from 'node:net';

import type { RouterStatus } from '../../../protocol/router.js';

const busy = Symbol('weft.busy');

type Tracked = Socket & { [busy]?: number };

export class Counters {
  accepted = 0;
  closed = 0;
  busyConnections = 0;
  requests = 0;
  /** The open connections (a drain closes the idle ones). */
  readonly sockets = new Set<Socket>();

  connection(socket: Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    (socket as Tracked)[busy] = 0;
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.closed++;
      if (((socket as Tracked)[busy] ?? 0) > 0) this.busyConnections--;
      (socket as Tracked)[busy] = 0;
    });
  }

  requestStarted(socket: Socket): void {
    this.requests++;
    const s = socket as Tracked;
    if ((s[busy] ?? 0) === 0) this.busyConnections++;
    s[busy] = (s[busy] ?? 0) + 1;
  }

  requestFinished(socket: Socket): void {
    const s = socket as Tracked;
    if (!s[busy]) return;
    s[busy]--;
    if (s[busy] === 0) this.busyConnections--;
  }

  get open(): number {
    return this.sockets.size;
  }

  /** Whether a request is in progress on this connection. */
  busy(socket: Socket): boolean {
    return ((socket as Tracked)[busy] ?? 0) > 0;
  }

  connections(): RouterStatus['connections'] {
    const active = this.busyConnections;
    return { accepted: this.accepted, active, idle: Math.max(0, this.open - active), closed: this.closed };
  }
}
