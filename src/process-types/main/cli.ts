// Parses weftd's arguments with Node's parseArgs; messages as unitd prints
// them ("unknown option ...", "option ... requires ...").
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ErrorCodes, WeftError } from '../../errors.js';
import { LOG_FORMATS, LOG_LEVELS } from '../../kernel/log/format.js';
import type { LogFormat, LogLevel } from '../../kernel/log/format.js';
import { DEFAULTS } from './options.js';
import type { MainOptions } from './options.js';

/** Router workers beyond this would only compete with the applications for the CPUs. */
const MAX_ROUTERS = 16;

export type CliResult = { kind: 'run'; options: MainOptions } | { kind: 'help' } | { kind: 'version'; titlePrefix: string };

const VALUE_OPTIONS: Record<string, string> = {
  control: 'socket address',
  'control-mode': 'a mode',
  'control-user': 'a user name',
  'control-group': 'a group name',
  pid: 'a filename',
  log: 'a filename',
  modulesdir: 'a directory name',
  statedir: 'a directory name',
  tmpdir: 'a directory name',
  user: 'a user name',
  group: 'a group name',
  config: 'a filename',
  'title-prefix': 'a prefix',
  engine: 'an engine name',
  threads: 'a number',
  routers: 'a number or "auto"',
  'stop-timeout': 'a number of seconds',
  'log-level': 'a level',
  'log-format': 'a format',
};

function fail(message: string): never {
  throw new WeftError(ErrorCodes.CLI, message);
}

/** --log values that are streams, not files (stderr is `undefined` in MainOptions). */
const LOG_STREAMS = new Map<string, string | undefined>([
  ['-', undefined],
  ['stderr', undefined],
  ['stdout', '/dev/stdout'],
]);

/** Set by weftd for its daemon, which runs in "/": where weftd was started. */
export const START_DIR_ENV = 'WEFT_START_DIR';

export function parseCommandLine(argv: string[], startDir = process.env[START_DIR_ENV] ?? process.cwd()): CliResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
    'no-daemon': { type: 'boolean' },
    'config-write-back': { type: 'boolean' },
  };
  for (const name of Object.keys(VALUE_OPTIONS)) options[name] = { type: 'string' };

  // parseArgs's own messages differ from Unit's; find the culprit first.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : arg === '-h' ? 'help' : undefined;
    if (name === undefined || !(name in options)) {
      fail(`unknown option "${arg}", try "weftd -h" for available options`);
    }
    if (options[name].type === 'string' && !arg.includes('=')) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) fail(`option "${arg}" requires ${VALUE_OPTIONS[name]}`);
      i++;
    }
  }
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const v = values as Record<string, string | boolean | undefined>;
  if (v.help) return { kind: 'help' };
  if (v.version) {
    // --title-prefix chooses the first word of the version line too.
    const p = (v['title-prefix'] as string | undefined) ?? DEFAULTS.titlePrefix;
    return { kind: 'version', titlePrefix: p };
  }

  const mode = v['control-mode'] as string | undefined;
  if (mode !== undefined && !/^0?[0-7]{3}$/.test(mode)) fail(`option "--control-mode" requires an octal mode such as 0600, not "${mode}"`);
  const threads = v.threads === undefined ? DEFAULTS.threads : Number(v.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) fail('option "--threads" requires a number from 1 to 64');
  const routersArg = (v.routers as string | undefined) ?? DEFAULTS.routers;
  const routers = routersArg === 'auto' ? Math.min(os.availableParallelism(), MAX_ROUTERS) : Number(routersArg);
  if (!Number.isInteger(routers) || routers < 1 || routers > MAX_ROUTERS)
    fail(`option "--routers" requires "auto" or a number from 1 to ${MAX_ROUTERS}`);
  const stopTimeout = v['stop-timeout'] === undefined ? DEFAULTS.stopTimeout : Number(v['stop-timeout']);
  if (!Number.isFinite(stopTimeout) || stopTimeout < 0 || stopTimeout > 3600)
    fail('option "--stop-timeout" requires a number of seconds from 0 to 3600');
  const level = (v['log-level'] as string | undefined) ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(level as LogLevel)) fail(`option "--log-level" requires one of ${LOG_LEVELS.join(', ')}`);
  const format = (v['log-format'] as string | undefined) ?? DEFAULTS.logFormat;
  if (!LOG_FORMATS.includes(format as LogFormat)) fail(`option "--log-format" requires one of ${LOG_FORMATS.join(', ')}`);
  const noDaemon = Boolean(v['no-daemon']);
  // "-", "stderr" and "stdout" name weftd's own streams (containers, systemd);
  // a file of that name is "./stdout". A daemon has neither.
  const logArg = v.log as string | undefined;
  const logStream = logArg !== undefined && LOG_STREAMS.has(logArg);
  if (logStream && !noDaemon)
    fail(`option "--log ${logArg}" requires "--no-daemon" (a daemon has no ${logArg === 'stdout' ? 'stdout' : 'stderr'})`);
  const prefix = (v['title-prefix'] as string | undefined) ?? DEFAULTS.titlePrefix;
  if (!/^[\w.-]{1,32}$/.test(prefix)) fail('option "--title-prefix" requires 1 to 32 letters, digits, "_", "-" or "."');
  // Relative paths mean what they meant where weftd was started, daemon or not.
  const file = (name: string): string | undefined => {
    const value = v[name] as string | undefined;
    return value === undefined ? undefined : path.resolve(startDir, value);
  };
  const control = (v.control as string | undefined) ?? DEFAULTS.control;
  const config = file('config');
  if (v['config-write-back'] && config === undefined) fail('option "--config-write-back" requires "--config"');

  return {
    kind: 'run',
    options: {
      noDaemon,
      control: /^unix:[^@/]/.test(control) ? `unix:${path.resolve(startDir, control.slice(5))}` : control,
      controlMode: mode === undefined ? DEFAULTS.controlMode : parseInt(mode, 8),
      controlUser: v['control-user'] as string | undefined,
      controlGroup: v['control-group'] as string | undefined,
      pid: file('pid') ?? DEFAULTS.pid,
      log: logStream ? LOG_STREAMS.get(logArg!) : (file('log') ?? (noDaemon ? undefined : DEFAULTS.daemonLog)),
      logFormat: format as LogFormat,
      modulesDir: file('modulesdir'),
      stateDir: file('statedir') ?? DEFAULTS.stateDir,
      tmpDir: file('tmpdir') ?? DEFAULTS.tmpDir,
      user: (v.user as string | undefined) ?? DEFAULTS.user,
      group: v.group as string | undefined,
      config,
      configWriteBack: Boolean(v['config-write-back']),
      titlePrefix: prefix,
      engine: (v.engine as string | undefined) ?? DEFAULTS.engine,
      threads,
      routers,
      routersAuto: routersArg === 'auto',
      stopTimeoutMs: stopTimeout * 1000,
      logLevel: level as LogLevel,
      startDir,
      argv,
    },
  };
}

export function helpText(): string {
  return `Weft, an application server for Node.js

Usage: weftd [options]

  --help, -h              print this help
  --version               print weftd's version and configure line, as unitd
  --no-daemon             run in the foreground (logs go to stderr unless --log)

  --control ADDRESS       the control API socket: unix:/path or ip:port
                          default: "${DEFAULTS.control}"
  --control-mode MODE     mode of the control socket file, default: 0600
  --control-user USER     owner of the control socket file
  --control-group GROUP   group of the control socket file

  --pid FILE              pid file, default: "${DEFAULTS.pid}"
  --log FILE              log file, default: "${DEFAULTS.daemonLog}" (stderr with --no-daemon);
                          "-" or "stderr", "stdout": weftd's own (with --no-daemon)
  --log-level LEVEL       alert, error, warn, notice, info (default) or debug
  --log-format FORMAT     "unit" (default: Unit's lines) or "json" (an object per line)

  --modulesdir DIR        a directory with more application plugins
  --statedir DIR          where the config and certificates are kept,
                          default: "${DEFAULTS.stateDir}"
  --tmpdir DIR            temporary files, default: "${DEFAULTS.tmpDir}"

  --user USER             user of the controller, router and applications
                          without their own, default: "${DEFAULTS.user}"
  --group GROUP           their group, default: the user's primary group

  --config FILE           load this config at start (see README)
  --config-write-back     write changes made through the API back to --config
  --title-prefix PREFIX   process titles read "PREFIX: router" (default "weft";
                          "unit" makes them what tools written for Unit expect)
  --engine NAME           event engine, default: "libuv"
  --threads N             worker threads per process, default: ${DEFAULTS.threads}
  --routers N|auto        router worker processes sharing the listeners the
                          routers accept; "auto": one per CPU (16 at most)
                          while a listener is theirs, else one; default: ${DEFAULTS.routers}
  --stop-timeout SECONDS  on SIGTERM, SIGQUIT or SIGINT: how long requests in
                          flight may take to finish, default: ${DEFAULTS.stopTimeout}
`;
}
