// Validation of a whole configuration: the schema first (types, ranges,
// unknown members, the application's type), then the cross-checks. The
// first problem is reported, in Unit's words, with the JSON Pointer of the
// value it is about; an invalid configuration is a result, not an error.
import { CHECKS } from './checks/index.js';
import type { ValidationContext } from './context.js';
import { validatorFor } from './schema.js';
import type { WeftConfig } from './types.js';

export type { ValidationContext } from './context.js';

export type ValidationResult = { ok: true } | { ok: false; detail: string; path: string };

export function validateConfig(config: unknown, context: ValidationContext): ValidationResult {
  const schemaProblem = validatorFor(context.appTypes).check(config);
  if (schemaProblem) return { ok: false, ...schemaProblem };
  for (const { check } of CHECKS) {
    const found = check(config as WeftConfig, context);
    if (found) return { ok: false, ...found };
  }
  return { ok: true };
}
