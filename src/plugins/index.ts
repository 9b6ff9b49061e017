// The process types Weft ships, registered under "process.<type>".
import { ProcessTypeRegistry } from '../kernel/process-types/process-type-registry.js';
import type { ProcessTypeDefinition } from '../kernel/process-types/process-type.js';
import { prototypeProcess } from './application/definition.js';
import { controllerProcess } from './controller/definition.js';
import { discoveryProcess } from './discovery/definition.js';
import { routerProcess } from './router/definition.js';

export const BUILTIN_PROCESS_TYPES: ProcessTypeDefinition[] = [discoveryProcess, controllerProcess, routerProcess, prototypeProcess];

export interface PluginModule {
  processTypes?: ProcessTypeDefinition[];
}

/** Built-in types plus those of extra modules (WEFT_PLUGINS, used by tests). */
export function processTypeRegistry(modules: string[] = []): ProcessTypeRegistry {
  const registry = new ProcessTypeRegistry();
  for (const def of BUILTIN_PROCESS_TYPES) registry.register(def);
  for (const file of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as PluginModule;
    for (const def of mod.processTypes ?? []) registry.register(def);
  }
  return registry;
}
