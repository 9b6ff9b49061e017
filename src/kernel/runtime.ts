// What a process knows about itself and the server it belongs to. One per
// process, registered in its container.
import { ProcessTable } from './processes/process-table.js';
import type { ProcessClass } from './processes/connection-matrix.js';
import type { LogFormat, LogLevel } from './log/format.js';

/** Server-wide settings main hands to every process it starts. */
export interface ServerOptions {
  version: string;
  titlePrefix: string;
  /** Default credentials of unprivileged processes. */
  user: string;
  group?: string;
  stateDir: string;
  tmpDir: string;
  modulesDir?: string;
  logLevel: LogLevel;
  /** Unit's lines or JSON (--log-format); absent from an older main: Unit's. */
  logFormat?: LogFormat;
  /** Event engine by name (service "engine"). */
  engine: string;
  /** Worker threads per process. */
  threads: number;
  noDaemon: boolean;
  /** Where the control API listens (for messages and /status). */
  control: string;
  /** weftd's working directory when it started (a relative "share" is read from there, as unitd's). */
  startDir?: string;
}

export class Runtime {
  readonly processes = new ProcessTable();
  /** pid as this process sees itself (1 inside a pid namespace). */
  readonly localPid = process.pid;

  constructor(
    readonly type: string,
    readonly cls: ProcessClass,
    /** The name part of the title: "router", "\"blog\" application". */
    readonly name: string,
    /** The real (global) pid: what logs and other processes use. */
    public pid: number,
    readonly mainPid: number,
    readonly options: ServerOptions,
    /** Type-specific options from main (e.g. which application). */
    readonly processOptions: unknown,
  ) {}

  get title(): string {
    return `${this.options.titlePrefix}: ${this.name}`;
  }
}
