// One application process as the router sees it: the channel to it, its
// state, the requests it holds, and (routed mode) a pool of connections to
// it: each one a socketpair whose other end is handed to the process, which
// serves HTTP on it like on an accepted connection.
import fs from 'node:fs';
import net from 'node:net';

import type { Port } from '../../../kernel/ports/port.js';
import { socketPair } from '../../../native/index.js';
import { AppConnection } from './app-connection.js';
import '../../application/protocol.js';
import type { ServeParams } from '../../application/protocol.js';
import { emptyDirectStats } from '../../application/runtime/direct-traffic.js';
import type { DirectStats } from '../../application/runtime/direct-traffic.js';

export type AppProcessState = 'starting' | 'ready' | 'stopping' | 'gone';

/**
 * The pid the rest of the machine knows: a process inside its prototype's
 * pid namespace has another pid there. /proc (the router's view) names both
 * in "NSpid"; its parent is the prototype.
 */
export function globalPid(prototypePid: number, localPid: number): number | undefined {
  const status = (pid: number | string): string | undefined => {
    try {
      return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return undefined;
    }
  };
  const direct = status(localPid);
  if (direct && new RegExp(`^PPid:\\s+${prototypePid}$`, 'm').test(direct)) return localPid;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = status(name);
    if (!text || !new RegExp(`^PPid:\\s+${prototypePid}$`, 'm').test(text)) continue;
    const nspid = /^NSpid:\s+(.+)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
    if (nspid && nspid[nspid.length - 1] === localPid) return nspid[0];
  }
  return undefined;
}

let syntheticKeys = 0x40000000;

/** Idle routed connections kept per process. */
const MAX_IDLE = 256;

export class AppProcess {
  readonly localPid: number;
  /** How the router's port knows it: the global pid, when /proc tells it. */
  readonly key: number;
  readonly startedAt = Date.now();
  state: AppProcessState = 'starting';
  active = 0;
  served = 0;
  /** Direct mode: what it last reported of the connections it accepted itself. */
  direct: DirectStats = emptyDirectStats();
  #idle: AppConnection[] = [];
  readonly ready: Promise<void>;
  /** Resolves when the process has exited. */
  readonly finished: Promise<void>;
  #settle!: { resolve: () => void; reject: (e: Error) => void };
  #finish!: () => void;
  #port: Port;

  constructor(port: Port, prototypePid: number, localPid: number, name: string, fd: number) {
    this.#port = port;
    this.localPid = localPid;
    this.key = globalPid(prototypePid, localPid) ?? syntheticKeys++;
    this.ready = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.finished = new Promise<void>((resolve) => (this.#finish = resolve));
    // Unhandled rejections of a process that failed before anyone waited are reported where they are awaited.
    this.ready.catch(() => undefined);
    port.link({ pid: this.key, type: 'application', cls: 'app', name: `"${name}" application` }, fd);
  }

  /**
   * A connection for one routed request: the most recently freed one (its
   * buffers are warm), or a new one. `fresh`: never one used before (a
   * retry after an idle one turned out closed).
   */
  acquire(fresh = false): AppConnection {
    if (!fresh) {
      for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (!c.dead) return c;
    }
    return new AppConnection(this.#connect(), (c) => {
      if (this.state === 'gone' || this.#idle.length >= MAX_IDLE) c.destroy();
      else this.#idle.push(c);
    });
  }

  /** The pid to show in logs. */
  get pid(): number {
    return this.key < 0x40000000 ? this.key : this.localPid;
  }

  markReady(): void {
    if (this.state === 'starting') this.state = 'ready';
    this.#settle.resolve();
  }

  markFailed(reason: string): void {
    this.#settle.reject(new Error(reason));
  }

  serve(params: ServeParams, fds: number[]): void {
    void this.#port.call(this.key, 'app.serve', params, { fds }).catch(() => undefined);
  }

  /** A connection for routed mode (also used for WebSocket upgrades). */
  #connect(): net.Socket {
    const [ours, theirs] = socketPair('stream');
    this.#port.notify(this.key, 'app.adopt', {}, [theirs]);
    fs.closeSync(theirs);
    return new net.Socket({ fd: ours, readable: true, writable: true });
  }

  openConnection(): net.Socket {
    return this.#connect();
  }

  /** Stop taking work; finish what is in flight; exit. */
  stop(graceMs: number): void {
    if (this.state === 'gone') return;
    this.state = 'stopping';
    this.#port.notify(this.key, 'app.stop', { graceMs });
  }

  gone(): void {
    this.state = 'gone';
    this.#finish();
    this.#settle.reject(new Error('the process exited'));
    for (const c of this.#idle) c.destroy();
    this.#idle = [];
    this.#port.unlink(this.key);
  }
}
