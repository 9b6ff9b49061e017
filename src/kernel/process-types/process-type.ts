// A process type as a plugin: its init record (the seed's per-type table of
// name, setup, start, port and signal handlers, restart flag, privileges).
// The kernel's generic path creates, boots and supervises every type alike;
// only these hooks differ.
import type { DependencyContainer } from 'tsyringe';

import type { CreateProcessOptions } from '../../native/index.js';
import type { EventEngine } from '../engine/event-engine.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Logger } from '../log/logger.js';
import type { Port } from '../ports/port.js';
import type { ProcessClass } from '../processes/connection-matrix.js';
import type { ProcessEntry } from '../processes/process-table.js';
import type { Runtime } from '../runtime.js';
import type { ThreadPool } from '../threads/thread-pool.js';

/**
 * Everything a process type's hooks get, inside the new process: the
 * services registered in the type's own container (its module's, over the
 * kernel's), resolved once at boot.
 */
export interface ProcessContext {
  /** The type's own container (a child of the process's). */
  container: DependencyContainer;
  runtime: Runtime;
  log: Logger;
  port: Port;
  engine: EventEngine;
  threads: ThreadPool;
  lifecycle: Lifecycle;
}

/** The child-side hooks, loaded only in processes of this type. */
export interface ProcessHooks {
  /** After boot, before CREATED/READY: acquire what the process needs. */
  setup?(ctx: ProcessContext): void | Promise<void>;
  /** After main's answer (or at once for core types): begin work. */
  start?(ctx: ProcessContext): void | Promise<void>;
  /** Graceful stop (QUIT from main, SIGTERM). */
  stop?(ctx: ProcessContext, reason: string): void | Promise<void>;
  /** Signals this type handles itself; the kernel ignores SIGINT/SIGQUIT/SIGHUP/SIGUSR1 otherwise. */
  signals?: Partial<Record<NodeJS.Signals, (ctx: ProcessContext) => void>>;
}

/**
 * A process type's code, loaded only in processes of that type. It
 * registers its services and its hooks (under PROCESS_HOOKS) in the
 * container boot gives it; a test registers other implementations in the
 * same container to replace any of them.
 */
export interface ProcessModule {
  register: Registration;
}

/** Registers services in a process type's container. */
export type Registration = (container: DependencyContainer) => void;

/** What main needs to know to start and supervise the type. */
export interface MainSide {
  /** Extra creation options (namespaces, credentials...) for this process. */
  spawnOptions?(processOptions: unknown, main: MainContextLike): Partial<CreateProcessOptions> | Promise<Partial<CreateProcessOptions>>;
  /** main's privileged step between CREATED and READY; throw to refuse. */
  onCreated?(entry: ProcessEntry, main: MainContextLike): void | Promise<void>;
}

/** The slice of main's context a MainSide hook may use. */
export interface MainContextLike {
  runtime: Runtime;
  log: Logger;
  port: Port;
}

export interface ProcessTypeDefinition {
  /** Registry id: "process.<type>". */
  id: string;
  type: string;
  /** Its class in the connection matrix... */
  cls: ProcessClass;
  /** ...and its row: the classes it keeps channels to (main is implied). */
  peers: readonly ProcessClass[];
  /** Core types go READY at once; others send CREATED and wait for main. */
  handshake: 'ready' | 'created';
  /** Main restarts it (with backoff) when it dies. */
  restart: boolean;
  /** Keeps main's credentials instead of switching to --user/--group. */
  privileged: boolean;
  /** The name in the title, e.g. "router" or "\"blog\" application". */
  name(processOptions: unknown): string;
  /** Loads the child-side module (so main does not load every type's code). */
  load(): Promise<ProcessModule>;
  main?: MainSide;
}
