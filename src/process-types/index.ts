// The process types Weft ships, registered under "process.<type>".
import { ProcessTypeRegistry } from '../kernel/process-types/process-type-registry.js';
import type { ProcessTypeDefinition, Registration } from '../kernel/process-types/process-type.js';
import { prototypeProcess } from './application/definition.js';
import { controllerProcess } from './controller/definition.js';
import { discoveryProcess } from './discovery/definition.js';
import { routerProcess } from './router/definition.js';

export const BUILTIN_PROCESS_TYPES: ProcessTypeDefinition[] = [discoveryProcess, controllerProcess, routerProcess, prototypeProcess];

export interface PluginModule {
  processTypes?: ProcessTypeDefinition[];
  /** Other implementations of a type's services, by type: registered in its container after its module's. */
  registrations?: Record<string, Registration>;
}

/** Built-in types plus those of extra modules (WEFT_PLUGINS, used by tests). */
export function processTypeRegistry(modules: string[] = []): ProcessTypeRegistry {
  const registry = new ProcessTypeRegistry();
  for (const def of BUILTIN_PROCESS_TYPES) registry.register(def);
  for (const file of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as PluginModule;
    for (const def of mod.processTypes ?? []) registry.register(def);
    for (const [type, register] of Object.entries(mod.registrations ?? {})) registry.addRegistration(type, register);
  }
  return registry;
}
