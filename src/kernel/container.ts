// One DI container per process, holding the kernel's services; process types
// resolve their own classes from it (tsyringe + reflect-metadata).
import 'reflect-metadata';

import { container as root } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';

import { ENGINE_SERVICE } from './engine/event-engine.js';
import type { EventEngine } from './engine/event-engine.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { Logger } from './log/logger.js';
import { Port } from './ports/port.js';
import { Runtime } from './runtime.js';
import { ServiceRegistry } from './services/service-registry.js';
import { ThreadPool } from './threads/thread-pool.js';
import { ENGINE } from './tokens.js';

export { defaultServices } from './services/default-services.js';

export interface KernelParts {
  runtime: Runtime;
  log: Logger;
  port: Port;
  services: ServiceRegistry;
}

/**
 * Builds the process's container. The engine is picked by name from the
 * service registry here: an unknown name fails with the list of engines.
 */
export function createProcessContainer(parts: KernelParts): DependencyContainer {
  const engine = parts.services.get<EventEngine>(ENGINE_SERVICE, parts.runtime.options.engine);
  const c = root.createChildContainer();
  c.registerInstance(Runtime, parts.runtime);
  c.registerInstance(Logger, parts.log);
  c.registerInstance(Port, parts.port);
  c.registerInstance(ServiceRegistry, parts.services);
  c.registerInstance(ENGINE, engine);
  c.registerInstance(Lifecycle, new Lifecycle());
  c.registerInstance(ThreadPool, new ThreadPool({ size: parts.runtime.options.threads, idleTimeoutMs: 30000 }));
  return c;
}
