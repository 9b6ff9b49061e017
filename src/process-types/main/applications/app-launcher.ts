// main's part in starting an application generation: pick the plugin for
// its "type", resolve its user and group, make its cgroup, open its
// stdout/stderr files (main may write where the app may not), and create
// its prototype inside its isolation.
import fs from 'node:fs';
import path from 'node:path';

import { resolveAppType } from '../../../config/app-types.js';
import type { Application } from '../../../config/types.js';
import { ErrorCodes, WeftError } from '../../../errors.js';
import { resolveCredentials } from '../../../native/index.js';
import { createAppCgroup } from '../../../isolation/app-cgroups.js';
import type { PrototypeOptions } from '../../../protocol/application.js';
import { insidePath } from '../../../isolation/app-isolation.js';
import type { ProcessManager } from '../../../kernel/processes/process-manager.js';
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

/** What starting a prototype needs from main. */
export interface LauncherHost {
  readonly modules: ModuleInfo[];
  readonly options: Pick<MainOptions, 'user' | 'group' | 'startDir' | 'modulesDir' | 'noDaemon'>;
  readonly processes: ProcessManager;
}

export class AppLauncher {
  #main: LauncherHost;

  constructor(main: LauncherHost) {
    this.#main = main;
  }

  async start({ app, generation, config }: LaunchRequest): Promise<{ pid: number }> {
    const main = this.#main;
    const cfg = config as Application;
    const module = resolveAppType(String(cfg.type), main.modules);
    if (!module) throw new WeftError(ErrorCodes.PROCESS_START, `no application module serves the type "${cfg.type}"`);
    const info = main.modules.find((m) => m.type === module.type && m.version === module.version)!;
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
    try {
      const entry = await main.processes.start('prototype', options, outputs);
      return { pid: entry.pid };
    } finally {
      for (const fd of outputs) fs.closeSync(fd);
    }
  }
}
