// A generation without an isolation step that needs a prototype: main
// creates its application processes itself, as a prototype would have:
// the plugin's launch() says what to run; each process gets the app's
// credentials (never root's: resolveCredentials gave the user and group),
// no_new_privs unless isolation.new_privs, the app's cgroup, the same
// environment (main's, minus Weft's own variables, then "environment"),
// working directory, boot information and fds (stdout and stderr to the
// app's files or the log, its channel to main as fd 3), and dies with
// main. main reaps it and tells the generation.
//
// The plugin's check (prototypeSetup) runs as the app's user, never in
// main: only when a start fails, in a check-only prototype, so that the
// reason is the plugin's ("the script ... cannot be read: EACCES") rather
// than what the process managed to say.
import fs from 'node:fs';

import { ErrorCodes, WeftError } from '../../../errors.js';
import { isolationOptions } from '../../../isolation/app-isolation.js';
import { createProcess, socketPair } from '../../../native/index.js';
import type { ChildProcessHandle } from '../../../native/index.js';
import { inheritedEnv } from '../../../kernel/processes/environment.js';
import { APP_ENV, APP_RUNTIME_ENTRY } from '../../../protocol/application.js';
import type { AppBoot, AppPlugin, PluginContext } from '../../../protocol/application.js';
import type { AppSpawner, SpawnedProcess, SpawnerEvents, SpawnerState } from './app-spawner.js';
import { planLaunch } from './launch-plan.js';
import type { LauncherHost, LaunchPlan, LaunchRequest } from './launch-plan.js';
import { loadPlugin } from './plugin-loader.js';

/** What its processes get after SIGTERM before SIGKILL, when the generation ends (a prototype's grace). */
const STOP_GRACE_MS = 5000;

export class DirectSpawner implements AppSpawner {
  readonly kind = 'direct';
  readonly prototypePid = 0;
  #host: LauncherHost;
  #request: LaunchRequest;
  #events: SpawnerEvents;
  #state: SpawnerState = 'new';
  #plan: LaunchPlan | undefined;
  #plugin: AppPlugin | undefined;
  #devNull = -1;
  #children = new Map<number, ChildProcessHandle>();
  #stopped: Promise<void> | undefined;

  constructor(host: LauncherHost, request: LaunchRequest, events: SpawnerEvents) {
    this.#host = host;
    this.#request = request;
    this.#events = events;
  }

  get state(): SpawnerState {
    return this.#state;
  }

  async start(): Promise<void> {
    let plan: LaunchPlan | undefined;
    try {
      plan = await planLaunch(this.#host, this.#request);
      this.#plugin = loadPlugin(plan.moduleFile);
      this.#devNull = fs.openSync('/dev/null', 'r+');
    } catch (e) {
      for (const fd of plan?.outputs ?? []) fs.closeSync(fd);
      this.#state = 'failed';
      throw e;
    }
    this.#plan = plan;
    this.#state = 'up';
  }

  async spawn(startTimeoutMs: number): Promise<SpawnedProcess> {
    const plan = this.#plan;
    if (this.#state !== 'up' || !plan) throw new WeftError(ErrorCodes.APP_PROCESS, 'its generation is stopping');
    const o = plan.options;
    const { runtime } = this.#host;
    // Inherited environment, then the app's "environment" over it (Unit's rule).
    const env = { ...inheritedEnv(), ...((o.config.environment ?? {}) as Record<string, string>) };
    const ctx: PluginContext = { runtimeEntry: APP_RUNTIME_ENTRY, nodePath: process.execPath, env, module: o.moduleInfo };
    const spec = this.#plugin!.launch(o.config, ctx);
    const boot: AppBoot = {
      name: o.app,
      titlePrefix: runtime.options.titlePrefix,
      channelFd: 3,
      mainPid: runtime.pid,
      version: runtime.options.version,
      logLevel: runtime.options.logLevel,
      logFormat: runtime.options.logFormat,
      startTimeoutMs,
    };
    const log = this.#host.logFd;
    const stdout = plan.outputs[0] ?? (o.stdoutToLog ? log : this.#devNull);
    const stderr = plan.outputs[1] ?? log;
    const [mainEnd, appEnd] = socketPair();
    let child: ChildProcessHandle;
    try {
      child = await createProcess({
        // No namespaces here: the app's credentials, no_new_privs and cgroup.
        ...isolationOptions(o.app, o.config, o.credentials, o.cgroupDirs),
        file: spec.file,
        args: spec.args,
        env: { ...spec.env, [APP_ENV]: JSON.stringify(boot) },
        cwd: o.config.working_directory ?? '/',
        fds: [this.#devNull, stdout, stderr, appEnd],
        dieWithParent: 'SIGKILL',
      });
    } catch (e) {
      fs.closeSync(mainEnd);
      throw e;
    } finally {
      fs.closeSync(appEnd);
    }
    const pid = child.pid;
    this.#children.set(pid, child);
    void child.exited.then((status) => {
      this.#children.delete(pid);
      this.#events.exited(pid, status.code, status.signal);
    });
    return { localPid: pid, globalPid: pid, fd: mainEnd };
  }

  kill(localPid: number, signal: NodeJS.Signals): void {
    this.#children.get(localPid)?.kill(signal);
  }

  lost(): void {
    // No prototype to lose.
  }

  /** What is left gets SIGTERM, SIGKILL after a grace period (as a prototype stopping does). */
  stop(): Promise<void> {
    // Not started yet: whoever started it stops it once it is up.
    if (this.#state !== 'up') return this.#stopped ?? Promise.resolve();
    this.#state = 'gone';
    this.#stopped = (async () => {
      const all = [...this.#children.values()];
      for (const c of all) c.kill('SIGTERM');
      const timer = setTimeout(() => all.forEach((c) => c.kill('SIGKILL')), STOP_GRACE_MS);
      await Promise.all(all.map((c) => c.exited));
      clearTimeout(timer);
      for (const fd of this.#plan?.outputs ?? []) fs.closeSync(fd);
      fs.closeSync(this.#devNull);
    })();
    return this.#stopped;
  }

  /**
   * The plugin's check, as the app's user in the app's working directory:
   * a check-only prototype. Its failure is the reason (in the very words a
   * prototype would have used); undefined when it passes.
   */
  async explain(): Promise<Error | undefined> {
    const plan = this.#plan;
    const { processes } = this.#host;
    if (!plan || processes.quitting) return undefined;
    try {
      const entry = await processes.start('prototype', { ...plan.options, hasOutputFds: false, checkOnly: true });
      await processes.stop(entry.pid);
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }
}
