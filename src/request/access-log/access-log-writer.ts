// The access log file: main opens it (the router runs unprivileged), the
// router appends to it. Lines of one turn of the event loop go out in one
// write; SIGUSR1 (through main) swaps in a freshly opened file.
import fs from 'node:fs';

import { byteStringBuffer } from '../routing/index.js';

export class AccessLogWriter {
  readonly path: string;
  #fd: number;
  #pending: string[] = [];
  #scheduled = false;

  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  append(line: string): void {
    this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const data = byteStringBuffer(this.#pending.join(''));
    this.#pending = [];
    try {
      fs.writeSync(this.#fd, data);
    } catch {
      // A full disk must not stop the serving; the lines are lost, as with any log.
    }
  }

  /** After a reopen: later lines go to `fd`. */
  swap(fd: number): void {
    this.flush();
    const old = this.#fd;
    this.#fd = fd;
    fs.closeSync(old);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.#fd);
  }
}
