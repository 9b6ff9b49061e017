// Which process classes keep a channel to which (the seed's connection
// matrix; REFERENCE.md "Processes"). The kernel names no class but main:
// every process type declares its own row (`peers` in its definition), and
// the matrix is what the registered types declare. A channel exists only
// where both ends name each other; main connects to all.
export type ProcessClass = string;

/** main's class: connected to every process. */
export const MAIN_CLASS = 'main';

/** One declared row: a class and the classes it keeps channels to. */
export interface MatrixRow {
  cls: ProcessClass;
  peers: readonly ProcessClass[];
}

export class ConnectionMatrix {
  #rows = new Map<ProcessClass, Set<ProcessClass>>();

  /** Rows of several types of one class add up. */
  constructor(rows: Iterable<MatrixRow>) {
    for (const { cls, peers } of rows) {
      let row = this.#rows.get(cls);
      if (!row) this.#rows.set(cls, (row = new Set()));
      for (const p of peers) row.add(p);
    }
  }

  connects(from: ProcessClass, to: ProcessClass): boolean {
    if (from === MAIN_CLASS || to === MAIN_CLASS) return true;
    return (this.#rows.get(from)?.has(to) ?? false) && (this.#rows.get(to)?.has(from) ?? false);
  }

  /** Peer classes a process of this class keeps channels to, main excluded. */
  peersOf(cls: ProcessClass): ProcessClass[] {
    return [...(this.#rows.get(cls) ?? [])].filter((c) => this.connects(cls, c));
  }

  classes(): ProcessClass[] {
    return [...this.#rows.keys()];
  }
}
