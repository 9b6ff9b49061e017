// A cross-check: one rule the schema cannot express, over the whole document
// (already known to fit the schema). It returns the first problem or null.
import type { ValidationContext } from '../context.js';
import type { Problem } from '../problem.js';
import type { WeftConfig } from '../types.js';

export type Check = (config: WeftConfig, context: ValidationContext) => Problem | null;
