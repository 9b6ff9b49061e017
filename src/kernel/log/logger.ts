// The process's log. Every Weft process writes whole lines to one fd (the
// log file that main opened and handed down as fd 2, or stderr), with
// O_APPEND semantics, so that lines from several processes never interleave.
import fs from 'node:fs';

import { gettid } from '../../native/index.js';
import { formatLogLine, LOG_LEVELS } from './format.js';
import type { LogLevel } from './format.js';

export class Logger {
  #fd: number;
  #threshold: number;
  #pid: number;
  #tid: number;

  constructor(options: { fd?: number; level?: LogLevel; pid?: number } = {}) {
    this.#fd = options.fd ?? 2;
    this.#threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
    this.#pid = options.pid ?? process.pid;
    this.#tid = gettid();
  }

  /** The pid shown in log lines (a process in a pid namespace shows its real pid). */
  set pid(pid: number) {
    this.#pid = pid;
    this.#tid = pid === process.pid ? gettid() : pid;
  }

  get fd(): number {
    return this.#fd;
  }

  /** Points the logger at another fd (after SIGUSR1 reopened the file). */
  set fd(fd: number) {
    this.#fd = fd;
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.#threshold;
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const line = formatLogLine(level, this.#pid, this.#tid, message);
    try {
      fs.writeSync(this.#fd, line);
    } catch {
      // A full disk or a closed log must not take the process down; there
      // is nowhere else to say so.
    }
  }

  alert(message: string): void {
    this.log('alert', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  notice(message: string): void {
    this.log('notice', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  debug(message: string): void {
    this.log('debug', message);
  }
}
