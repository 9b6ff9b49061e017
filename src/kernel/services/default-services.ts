// The registry every process starts with: the engines Weft ships. Apart from
// the container (container.ts) so that main, which builds no container,
// never loads tsyringe.
import { ENGINE_SERVICE } from '../engine/event-engine.js';
import type { EventEngine } from '../engine/event-engine.js';
import { LibuvEngine } from '../engine/libuv-engine.js';
import { ServiceRegistry } from './service-registry.js';

export function defaultServices(): ServiceRegistry {
  const services = new ServiceRegistry();
  services.register<EventEngine>(ENGINE_SERVICE, 'libuv', new LibuvEngine());
  return services;
}
