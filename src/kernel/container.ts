// One DI container per process (tsyringe + reflect-metadata), holding the
// kernel's services under the tokens of tokens.ts. A process type's module
// registers its own services and hooks in a child of it (bootstrap.ts), so
// what it registers, or a test registers in its place, shadows the kernel's
// without touching them. main builds no container: tsyringe and
// reflect-metadata cost 40-60 ms of its start-up for services it wires once.
import 'reflect-metadata';

import { container as root, instanceCachingFactory } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';

import { ENGINE_SERVICE } from './engine/event-engine.js';
import type { EventEngine } from './engine/event-engine.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import type { Logger } from './log/logger.js';
import type { Port } from './ports/port.js';
import type { ConnectionMatrix } from './processes/connection-matrix.js';
import type { Runtime } from './runtime.js';
import type { ServiceRegistry } from './services/service-registry.js';
import { ThreadPool } from './threads/thread-pool.js';
import { CONNECTION_MATRIX, ENGINE, LIFECYCLE, LOGGER, PORT, PROCESS_TABLE, resolve, RUNTIME, SERVICES, THREAD_POOL } from './tokens.js';

export { defaultServices } from './services/default-services.js';

/** What boot made before any container could: the process's identity, log, channel to main. */
export interface KernelParts {
  runtime: Runtime;
  log: Logger;
  port: Port;
  services: ServiceRegistry;
  matrix: ConnectionMatrix;
}

const THREAD_IDLE_MS = 30000;

/**
 * The process's root container. The engine is picked by name from the
 * service registry: an unknown name fails with the list of engines. The
 * thread pool and lifecycle are made on first use, once per container
 * tree, from what is registered at that time.
 */
export function createProcessContainer(parts: KernelParts): DependencyContainer {
  const engine = parts.services.get<EventEngine>(ENGINE_SERVICE, parts.runtime.options.engine);
  const c = root.createChildContainer();
  c.registerInstance(RUNTIME, parts.runtime);
  c.registerInstance(LOGGER, parts.log);
  c.registerInstance(PORT, parts.port);
  c.registerInstance(SERVICES, parts.services);
  c.registerInstance(CONNECTION_MATRIX, parts.matrix);
  c.registerInstance(ENGINE, engine);
  c.register(PROCESS_TABLE, { useFactory: (d) => resolve(d, RUNTIME).processes });
  c.register(LIFECYCLE, { useFactory: instanceCachingFactory(() => new Lifecycle()) });
  c.register(THREAD_POOL, {
    useFactory: instanceCachingFactory((d) => new ThreadPool({ size: resolve(d, RUNTIME).options.threads, idleTimeoutMs: THREAD_IDLE_MS })),
  });
  return c;
}
