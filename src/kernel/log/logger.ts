// The process's log. Every Weft process writes whole lines to one fd (the
// log file that main opened and handed down as fd 2, or stderr), with
// O_APPEND semantics, so that lines from several processes never interleave.
//
// Lines are handed to a LogWriter (native/log-writer.cc), which writes them
// from a thread of its own: with fs.writeSync, a pipe or socket drained
// slowly (a container runtime, journald under load) stalled the event loop
// for as long as the reader took (bench/log), and an O_NONBLOCK pipe lost
// lines with EAGAIN. Order is kept (one queue, one thread); everything
// queued is written before the process exits (src/native/log-writer.ts).
import { EXIT_FLUSH_MS, gettid, LogWriter } from '../../native/index.js';
import { formatLogLine, LOG_LEVELS } from './format.js';
import type { LogFormat, LogLevel } from './format.js';
import { formatJsonLine } from './json-format.js';
import type { LogFields } from './json-format.js';

export type { LogFields } from './json-format.js';

export interface LoggerOptions {
  fd?: number;
  level?: LogLevel;
  pid?: number;
  format?: LogFormat;
  /** Fields of every JSON line from this process: its type, its app. */
  context?: LogFields;
}

export class Logger {
  #fd: number;
  #writer: LogWriter;
  #threshold: number;
  #pid: number;
  #tid: number;
  #format: LogFormat;
  #context: LogFields | undefined;
  #dropped = 0;

  constructor(options: LoggerOptions = {}) {
    this.#fd = options.fd ?? 2;
    this.#writer = new LogWriter(this.#fd);
    this.#threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
    this.#pid = options.pid ?? process.pid;
    this.#tid = gettid();
    this.#format = options.format ?? 'unit';
    this.#context = options.context;
  }

  /** The pid shown in log lines (a process in a pid namespace shows its real pid). */
  set pid(pid: number) {
    this.#pid = pid;
    this.#tid = pid === process.pid ? gettid() : pid;
  }

  get fd(): number {
    return this.#fd;
  }

  /**
   * Points the logger at another fd (after SIGUSR1 reopened the file, or
   * fd 2 was replaced): lines logged before still go to the old file. The
   * fd stays the caller's: the writer works on a copy.
   */
  set fd(fd: number) {
    this.#fd = fd;
    this.#writer.setFd(fd);
  }

  /** Adds fields to every later JSON line (a prototype learns its app after boot). */
  extendContext(fields: LogFields): void {
    this.#context = { ...this.#context, ...fields };
  }

  get format(): LogFormat {
    return this.#format;
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.#threshold;
  }

  log(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    if (this.#dropped > 0) {
      // Said once the log takes lines again, so that a gap is never silent.
      const note = this.#line('warn', `${this.#dropped} log lines were dropped: the log could not keep up`, { dropped: this.#dropped });
      if (this.#writer.write(note)) this.#dropped = 0;
    }
    if (!this.#writer.write(this.#line(level, message, fields))) this.#dropped++;
  }

  #line(level: LogLevel, message: string, fields: LogFields | undefined): string {
    if (this.#format === 'json') {
      const all = this.#context && fields ? { ...this.#context, ...fields } : (this.#context ?? fields);
      return formatJsonLine(level, this.#pid, this.#tid, message, all);
    }
    return formatLogLine(level, this.#pid, this.#tid, message);
  }

  /** Waits until every line logged so far is written (false: timed out). */
  flush(timeoutMs = EXIT_FLUSH_MS): boolean {
    return this.#writer.flush(timeoutMs);
  }

  alert(message: string, fields?: LogFields): void {
    this.log('alert', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  notice(message: string, fields?: LogFields): void {
    this.log('notice', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
}
