// Injection tokens for the kernel's services. Process types and their
// services ask for what they need by token, never by constructing it, so a
// test (or another implementation) registers something else under the same
// token and the code that uses it does not change. A token carries the
// interface it stands for; `resolve` keeps that type at the call site.
import type { DependencyContainer } from 'tsyringe';

import type { EventEngine } from './engine/event-engine.js';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import type { Logger } from './log/logger.js';
import type { Port } from './ports/port.js';
import type { ProcessHooks } from './process-types/process-type.js';
import type { ConnectionMatrix } from './processes/connection-matrix.js';
import type { ProcessTable } from './processes/process-table.js';
import type { Runtime } from './runtime.js';
import type { ServiceRegistry } from './services/service-registry.js';
import type { ThreadPool } from './threads/thread-pool.js';

/** A symbol that names the type registered under it. */
export type Token<T> = symbol & { readonly __service?: T };

export function token<T>(name: string): Token<T> {
  return Symbol.for(`weft.${name}`) as Token<T>;
}

/** Typed `container.resolve`: the token says what comes back. */
export function resolve<T>(container: DependencyContainer, t: Token<T>): T {
  return container.resolve<T>(t);
}

/** What this process is: type, name, pids, the server's options. */
export const RUNTIME = token<Runtime>('runtime');
export const LOGGER = token<Logger>('logger');
/** Channels to other processes, messages, RPC and fd passing. */
export const PORT = token<Port>('port');
/** The processes this one knows of (the table main keeps, a slice of it elsewhere). */
export const PROCESS_TABLE = token<ProcessTable>('process-table');
/** Which process classes keep channels to which, as the registered types declare. */
export const CONNECTION_MATRIX = token<ConnectionMatrix>('connection-matrix');
export const SERVICES = token<ServiceRegistry>('services');
/** Signals, timers, fd watches: the engine picked by name (--engine). */
export const ENGINE = token<EventEngine>('engine');
/** Worker threads for blocking work. */
export const THREAD_POOL = token<ThreadPool>('thread-pool');
export const LIFECYCLE = token<Lifecycle>('lifecycle');
/** The hooks a process type's module registers in its own container. */
export const PROCESS_HOOKS = token<ProcessHooks>('process-hooks');
