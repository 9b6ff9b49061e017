// Compiling the configuration schema in a thread of its own, when no kept
// copy of its code fits the application types (the first start with
// another set of plugins than the build's: another Python, a
// --modulesdir). ajv's compiler loads ~100 modules and leaves ~15 MB of
// garbage behind; in main's heap that garbage stayed for minutes (until
// V8's memory reducer ran: main idled at 34 MB PSS instead of 16), in a
// thread it goes with the thread's isolate (main: 18-21 MB).
// The thread writes the code where this process keeps it; the caller then
// loads it as it loads any kept copy.
import { trimMemory } from '../native/index.js';
import type { AppTypeSchema } from './app-types.js';
import { currentSchemaCodeDir } from './schema-code-cache.js';
import { validatorIsKept } from './schema.js';

/** What the thread is given. */
export interface SchemaThreadData {
  dir: string;
  appTypes: readonly AppTypeSchema[];
}

/**
 * Makes sure the validator for `appTypes` is kept as code, compiling it in
 * a thread when it is not. Resolves with whether it is kept: when the
 * thread could not, the caller compiles in place, as before.
 */
export async function keepSchemaCode(appTypes: readonly AppTypeSchema[]): Promise<boolean> {
  const dir = currentSchemaCodeDir();
  if (dir === undefined) return false;
  if (validatorIsKept(appTypes)) return true;
  const data: SchemaThreadData = { dir, appTypes };
  // (node:worker_threads itself loads only here, when it is needed.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  await new Promise<void>((resolve) => {
    const worker = new Worker(require.resolve('./schema-compile-entry.js'), { workerData: data });
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  });
  // The thread's C heap (its arena) is free now, but glibc keeps it: ~15 MB given back.
  trimMemory();
  return validatorIsKept(appTypes);
}
