// The controller's process module: its hooks, and the validator factory
// they build the configuration's validator with (a token: a test or an
// embedding can validate differently without touching the control API).
import type { ProcessModule } from '../../kernel/process-types/process-type.js';
import { PROCESS_HOOKS } from '../../kernel/tokens.js';
import { makeValidator } from '../../config/config-validator.js';
import { controllerHooks } from './controller-hooks.js';
import { VALIDATOR_FACTORY } from './controller-tokens.js';

export const controllerModule: ProcessModule = {
  register(c) {
    c.register(VALIDATOR_FACTORY, { useValue: makeValidator });
    c.registerInstance(PROCESS_HOOKS, controllerHooks);
  },
};
