// Validation as the server runs it: with the application types discovery
// found, the stored certificates, and this machine's users and groups.
import { lookupGroup, lookupUser } from '../native/index.js';
import type { AppTypeSchema } from './app-types.js';
import { validateConfig } from './validate.js';
import type { ValidationResult } from './validate.js';

export interface ValidatorOptions {
  appTypes: readonly AppTypeSchema[];
  certificates?: () => ReadonlySet<string>;
  defaultUser?: string;
}

export function makeValidator(options: ValidatorOptions): (config: unknown) => ValidationResult {
  const appTypes = options.appTypes.map((t) => ({ type: t.type, version: t.version, members: t.members, required: t.required }));
  return (config) =>
    validateConfig(config, {
      appTypes,
      certificates: options.certificates?.() ?? new Set(),
      lookupUser: (name) => lookupUser(name),
      lookupGroup: (name) => lookupGroup(name),
      defaultUser: options.defaultUser,
    });
}
