import type { ProcessHooks } from '../../kernel/process-types/process-type.js';

export const routerHooks: ProcessHooks = {};
