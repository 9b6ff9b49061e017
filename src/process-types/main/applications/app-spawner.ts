// How the processes of one application generation come to be. An isolation
// step that happens once, in a process they all descend from (namespaces,
// a pid namespace above all, a rootfs), needs a prototype: main creates it
// inside the isolation and asks it for each process (prototype-spawner.ts).
// Without one (credentials, cgroups and no_new_privs are applied per
// process by the native layer), main creates them itself
// (direct-spawner.ts), and saves a Node process per application. The
// generation and the supervisor see only this interface: one code path.

/** One process a spawner started; not yet ready. */
export interface SpawnedProcess {
  /** Its pid where its creator sees it (inside the prototype's pid namespace, or main's). */
  localPid: number;
  /** Its pid in main's pid namespace, when known (it may have exited already). */
  globalPid: number | undefined;
  /** main's end of the process's channel (the caller owns it). */
  fd: number;
}

/** What a spawner reports to its generation. */
export interface SpawnerEvents {
  /** One of its processes ended (`localPid` as `SpawnedProcess` named it). */
  exited(localPid: number, code: number | null, signal: string | null): void;
}

/**
 * new: not started (or starting); up: starts processes; failed: could not
 * start; gone: stopped, or its prototype died.
 */
export type SpawnerState = 'new' | 'up' | 'failed' | 'gone';

export interface AppSpawner {
  readonly kind: 'prototype' | 'direct';
  readonly state: SpawnerState;
  /** The prototype's pid (0: none, or not started). */
  readonly prototypePid: number;
  /** Makes it ready to start processes; rejects with why (bad user, isolation that fails, the plugin's refusal). */
  start(): Promise<void>;
  /** Starts one application process. */
  spawn(startTimeoutMs: number): Promise<SpawnedProcess>;
  /** Signals one of its processes (nothing once it is gone). */
  kill(localPid: number, signal: NodeJS.Signals): void;
  /** Its prototype died, its processes with it. */
  lost(): void;
  /** Ends it: what processes are left get SIGTERM (SIGKILL after a grace period); resolves once they are gone. */
  stop(): Promise<void>;
  /**
   * Why a start failed, as the plugin's own check sees it (the script
   * cannot be read, say), where nothing ran that check before the start;
   * undefined when the check passes (the process's own reason stands).
   */
  explain(): Promise<Error | undefined>;
}
