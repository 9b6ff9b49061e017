// What the controller's module registers beyond the kernel's services.
import { token } from '../../kernel/tokens.js';
import type { makeValidator } from '../../config/config-validator.js';

/** Builds the validator of configurations from the modules discovery found. */
export const VALIDATOR_FACTORY = token<typeof makeValidator>('controller.validator-factory');
