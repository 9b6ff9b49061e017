// The smallest process module: hooks that need nothing but the context
// they are called with (test types, one-shot types such as discovery).
import type { ProcessHooks, ProcessModule } from './process-type.js';
import { PROCESS_HOOKS } from '../tokens.js';

export function hooksModule(hooks: ProcessHooks): ProcessModule {
  return { register: (c) => c.registerInstance(PROCESS_HOOKS, hooks) };
}
