// main owns the log file: it opens it, hands its fd to every process as
// stderr, and on SIGUSR1 reopens it (after logrotate moved it) and sends the
// new fd to everyone. "/dev/stdout" (--log stdout) is main's own fd 1,
// duplicated, like an access log of that name (open-for-append.ts): there is
// nothing to reopen.
import fs from 'node:fs';

import { dup } from '../../native/index.js';

export class LogFile {
  readonly path: string | undefined;
  #fd: number;

  /** path undefined: the log is this process's stderr. */
  constructor(path: string | undefined) {
    this.path = path;
    this.#fd = path === undefined ? 2 : LogFile.#open(path);
  }

  get fd(): number {
    return this.#fd;
  }

  static #open(path: string): number {
    if (path === '/dev/stdout') return dup(1);
    return fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  }

  /** Opens the path again; returns the new fd, or undefined for stderr. Throws with the errno. */
  reopen(): number | undefined {
    if (this.path === undefined || this.path === '/dev/stdout') return undefined;
    const fresh = LogFile.#open(this.path);
    const old = this.#fd;
    this.#fd = fresh;
    if (old !== 2) fs.closeSync(old);
    return fresh;
  }

  close(): void {
    if (this.#fd !== 2) fs.closeSync(this.#fd);
  }
}
