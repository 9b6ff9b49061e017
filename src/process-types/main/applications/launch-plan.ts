// What a generation of an application needs before any of its processes
// starts, resolved by main once: its plugin, its user and group, its
// cgroup, its stdout/stderr files (main may write where the app may not),
// its working directory; what a prototype is started with.
import fs from 'node:fs';
import path from 'node:path';

import { resolveAppType } from '../../../config/app-types.js';
import type { Application } from '../../../config/types.js';
import { ErrorCodes, WeftError } from '../../../errors.js';
import { resolveCredentials } from '../../../native/index.js';
import { createAppCgroup } from '../../../isolation/app-cgroups.js';
import type { PrototypeOptions } from '../../../protocol/application.js';
import { insidePath } from '../../../isolation/app-isolation.js';
import type { Logger } from '../../../kernel/log/logger.js';
import type { Port } from '../../../kernel/ports/port.js';
import type { ProcessManager } from '../../../kernel/processes/process-manager.js';
import type { Runtime } from '../../../kernel/runtime.js';
import type { ModuleInfo } from '../../../protocol/discovery.js';
import type { MainOptions } from '../options.js';
import { openForAppend } from '../open-for-append.js';

/** One generation of an application to start. */
export interface LaunchRequest {
  app: string;
  generation: number;
  /** The application's configuration, as validated. */
  config: Record<string, unknown>;
}

/** "256M" -> bytes. */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)([KMG]?)$/.exec(value);
  if (!m) throw new WeftError(ErrorCodes.CONFIG_INVALID, `"${value}" is not a size`);
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]];
}

/** What starting an application's processes needs from main. */
export interface LauncherHost {
  readonly modules: ModuleInfo[];
  readonly options: Pick<MainOptions, 'user' | 'group' | 'startDir' | 'modulesDir' | 'noDaemon'>;
  readonly processes: ProcessManager;
  readonly runtime: Runtime;
  readonly port: Port;
  readonly log: Logger;
  /** main's log (application processes' stderr, and stdout under --no-daemon, when they have no files). */
  readonly logFd: number;
}

/**
 * Everything about a generation that does not change from one of its
 * processes to the next: what a prototype is started with (and a
 * check-only one), and the app's stdout and stderr (main's fds, or none).
 */
export interface LaunchPlan {
  options: PrototypeOptions;
  /** [stdout, stderr] files main opened for the app, or []: the holder closes them. */
  outputs: number[];
  /** The plugin's module file, as main sees it. */
  moduleFile: string;
}

/** The module an application's "type" selects, among those discovery found. */
export function moduleOf(cfg: Application, modules: readonly ModuleInfo[]): ModuleInfo | undefined {
  const module = resolveAppType(String(cfg.type), modules);
  return module ? modules.find((m) => m.type === module.type && m.version === module.version) : undefined;
}

/** Resolves what a generation needs; rejects with why it cannot start. */
export async function planLaunch(main: LauncherHost, { app, generation, config }: LaunchRequest): Promise<LaunchPlan> {
  const cfg = config as Application;
  const info = moduleOf(cfg, main.modules);
  if (!info) throw new WeftError(ErrorCodes.PROCESS_START, `no application module serves the type "${cfg.type}"`);
  const file = info.file;
  const credentials = resolveCredentials(
    cfg.user ?? main.options.user,
    cfg.group ?? (cfg.user === undefined ? main.options.group : undefined),
  );
  const cgroupConfig = cfg.isolation?.cgroup;
  let cgroupDirs: string[] = [];
  if (cgroupConfig) {
    const limits = cgroupConfig.limits ?? {};
    const cgroup = createAppCgroup(cgroupConfig.path ?? `weft/${app}`, {
      memory: limits.memory === undefined ? undefined : parseSize(limits.memory),
      pids: limits.pids,
    });
    cgroupDirs = cgroup.joinDirs;
  }
  const outputs: number[] = [];
  try {
    if (cfg.stdout !== undefined || cfg.stderr !== undefined) {
      const dir = main.options.startDir;
      outputs.push(cfg.stdout === undefined ? fs.openSync('/dev/null', 'w') : openForAppend(path.resolve(dir, cfg.stdout)));
      outputs.push(cfg.stderr === undefined ? fs.openSync('/dev/null', 'w') : openForAppend(path.resolve(dir, cfg.stderr)));
    }
  } catch (e) {
    for (const fd of outputs) fs.closeSync(fd);
    throw new WeftError(ErrorCodes.PROCESS_START, `application "${app}": ${(e as Error).message}`);
  }
  const inRoot = cfg.isolation?.rootfs !== undefined;
  // As in Unit, an app runs where weftd was started unless it says otherwise;
  // inside a rootfs, "/" of that root.
  const workingDirectory = inRoot ? (cfg.working_directory ?? '/') : path.resolve(main.options.startDir, cfg.working_directory ?? '.');
  const options: PrototypeOptions = {
    app,
    generation,
    config: { ...cfg, working_directory: workingDirectory },
    module: inRoot ? insidePath(file, main.options.modulesDir) : file,
    modulesDir: main.options.modulesDir,
    moduleInfo: { type: info.type, version: info.version, data: info.data },
    moduleDeps: info.deps,
    credentials,
    cgroupDirs,
    hasOutputFds: outputs.length > 0,
    stdoutToLog: main.options.noDaemon,
  };
  return { options, outputs, moduleFile: file };
}
