// A generation whose isolation needs a prototype: main creates it inside
// the app's isolation (namespaces, uid/gid maps, rootfs, cgroup) with the
// app's credentials, its plugin checks there what the app needs, and it
// starts the application processes as its own children (so they share its
// isolation) whenever main asks ('prototype.spawn'). Their exits come back
// as 'main.app-exited' (app-registry.ts routes them to the generation).
import fs from 'node:fs';

import type { AppSpawner, SpawnedProcess, SpawnerState } from './app-spawner.js';
import { globalPid } from './global-pid.js';
import { planLaunch } from './launch-plan.js';
import type { LauncherHost, LaunchRequest } from './launch-plan.js';
import '../../../protocol/application.js';

export class PrototypeSpawner implements AppSpawner {
  readonly kind = 'prototype';
  #host: LauncherHost;
  #request: LaunchRequest;
  #pid = 0;
  #state: SpawnerState = 'new';

  constructor(host: LauncherHost, request: LaunchRequest) {
    this.#host = host;
    this.#request = request;
  }

  get state(): SpawnerState {
    return this.#state;
  }

  get prototypePid(): number {
    return this.#pid;
  }

  async start(): Promise<void> {
    try {
      const { options, outputs } = await planLaunch(this.#host, this.#request);
      try {
        const entry = await this.#host.processes.start('prototype', options, outputs);
        this.#pid = entry.pid;
      } finally {
        // The prototype holds its own copies (its fds 4 and 5).
        for (const fd of outputs) fs.closeSync(fd);
      }
    } catch (e) {
      this.#state = 'failed';
      throw e;
    }
    this.#state = 'up';
  }

  async spawn(startTimeoutMs: number): Promise<SpawnedProcess> {
    const { value, fds } = await this.#host.port.call(this.#pid, 'prototype.spawn', { startTimeoutMs });
    return { localPid: value.pid, globalPid: globalPid(this.#pid, value.pid), fd: fds[0] };
  }

  kill(localPid: number, signal: NodeJS.Signals): void {
    if (this.#state !== 'up') return;
    void this.#host.port.call(this.#pid, 'prototype.kill', { pid: localPid, signal }).catch(() => undefined);
  }

  lost(): void {
    this.#state = 'gone';
  }

  /** QUIT to the prototype: it stops its processes (SIGTERM, then SIGKILL), then itself. */
  async stop(): Promise<void> {
    if (this.#state === 'up') await this.#host.processes.stop(this.#pid);
  }

  /** The prototype ran the plugin's check before any process started: a failure there is already the reason. */
  async explain(): Promise<Error | undefined> {
    return undefined;
  }
}
