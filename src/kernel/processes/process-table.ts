// Every process this process knows, by (real) pid, with its state and the
// channel to it, if any. Entries are reference counted (the seed's
// nxt_process_use): whoever holds on to an entry (a pending request, a
// restart in progress) takes a reference, and the entry leaves the table only
// once it has exited and nobody holds it any more.
import type { ProcessClass } from './connection-matrix.js';

export type ProcessState = 'creating' | 'created' | 'ready' | 'exited';

export interface ProcessInfo {
  pid: number;
  /** Process type id, e.g. "router", "application". */
  type: string;
  /** Connection-matrix class. */
  cls: ProcessClass;
  /** The name in its title: "router", "\"blog\" application". */
  name: string;
}

export class ProcessEntry implements ProcessInfo {
  readonly pid: number;
  readonly type: string;
  readonly cls: ProcessClass;
  readonly name: string;
  state: ProcessState = 'creating';
  refs = 1; // the table's own reference, dropped at exit

  constructor(info: ProcessInfo) {
    this.pid = info.pid;
    this.type = info.type;
    this.cls = info.cls;
    this.name = info.name;
  }

  info(): ProcessInfo {
    return { pid: this.pid, type: this.type, cls: this.cls, name: this.name };
  }
}

export class ProcessTable {
  #entries = new Map<number, ProcessEntry>();

  add(info: ProcessInfo, state: ProcessState = 'creating'): ProcessEntry {
    const entry = new ProcessEntry(info);
    entry.state = state;
    this.#entries.set(info.pid, entry);
    return entry;
  }

  get(pid: number): ProcessEntry | undefined {
    return this.#entries.get(pid);
  }

  /** Adds (+1) or drops (-1) a reference; the entry goes at zero. */
  use(pid: number, delta: 1 | -1): void {
    const entry = this.#entries.get(pid);
    if (!entry) return;
    entry.refs += delta;
    if (entry.refs <= 0) this.#entries.delete(pid);
  }

  /** The process exited: drops the table's own reference. */
  exited(pid: number): void {
    const entry = this.#entries.get(pid);
    if (!entry || entry.state === 'exited') return;
    entry.state = 'exited';
    this.use(pid, -1);
  }

  all(): ProcessEntry[] {
    return [...this.#entries.values()];
  }

  ofClass(cls: ProcessClass): ProcessEntry[] {
    return this.all().filter((e) => e.cls === cls && e.state !== 'exited');
  }

  ofType(type: string): ProcessEntry[] {
    return this.all().filter((e) => e.type === type && e.state !== 'exited');
  }

  get size(): number {
    return this.#entries.size;
  }
}
