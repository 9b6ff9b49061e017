// The task schema-compile-thread.ts hands the kernel's thread pool:
// compiles the schema for the types it is given and keeps its code in the
// directory it is given.
import type { AppTypeSchema } from './app-types.js';
import { setSchemaCodeDir } from './schema-code-cache.js';
import { validatorFor } from './schema.js';

export function compileSchemaCode(dir: string, appTypes: readonly AppTypeSchema[]): void {
  setSchemaCodeDir(dir);
  validatorFor(appTypes);
}
