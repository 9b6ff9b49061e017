// weftd's command line: every unitd flag with Unit's meaning, plus Weft's
// own (--config, --title-prefix, --engine, --threads, --routers, --log-level).
import type { LogFormat, LogLevel } from '../../kernel/log/format.js';

export interface MainOptions {
  noDaemon: boolean;
  control: string;
  controlMode: number;
  controlUser: string | undefined;
  controlGroup: string | undefined;
  pid: string;
  /** undefined: stderr (the default with --no-daemon, and --log - or stderr); "/dev/stdout": main's stdout. */
  log: string | undefined;
  logFormat: LogFormat;
  modulesDir: string | undefined;
  stateDir: string;
  tmpDir: string;
  user: string;
  group: string | undefined;
  config: string | undefined;
  /** Write changes made through the control API back to --config. */
  configWriteBack: boolean;
  titlePrefix: string;
  engine: string;
  threads: number;
  /**
   * Router worker processes (--routers): they share the listeners a router
   * accepts. A number: that many. `auto`: one while no listener of the
   * configuration is the routers' to accept, `routers` (one per CPU) while
   * one is.
   */
  routers: number;
  routersAuto: boolean;
  /** How long a graceful stop waits for requests in flight (--stop-timeout). */
  stopTimeoutMs: number;
  logLevel: LogLevel;
  /** Where weftd was started: the default working_directory of applications. */
  startDir: string;
  /** The arguments as given, for the title with --title-prefix unit. */
  argv: string[];
}

export const DEFAULTS = {
  control: 'unix:/var/run/control.weft.sock',
  controlMode: 0o600,
  pid: '/var/run/weft.pid',
  daemonLog: '/var/log/weft.log',
  stateDir: '/var/lib/weft',
  tmpDir: '/tmp',
  user: 'nobody',
  stopTimeout: 30,
  titlePrefix: 'weft',
  engine: 'libuv',
  threads: 2,
  routers: 'auto',
  logLevel: 'info' as LogLevel,
  logFormat: 'unit' as LogFormat,
};
