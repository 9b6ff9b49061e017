// Compiling the configuration schema on a thread of the kernel's pool, when no kept
// copy of its code fits the application types (the first start with
// another set of plugins than the build's: another Python, a
// --modulesdir). ajv's compiler loads ~100 modules and leaves ~15 MB of
// garbage behind; in main's heap that garbage stayed for minutes (until
// V8's memory reducer ran: main idled at 34 MB PSS instead of 16), in a
// thread it goes with the thread's isolate (main: 18-21 MB).
// The thread writes the code where this process keeps it; the caller then
// loads it as it loads any kept copy.
import path from 'node:path';

import { trimMemory } from '../native/index.js';
import { compiledRoot } from '../paths.js';
import type { AppTypeSchema } from './app-types.js';
import { currentSchemaCodeDir } from './schema-code-cache.js';
import { validatorIsKept } from './schema.js';

/**
 * Makes sure the validator for `appTypes` is kept as code, compiling it in
 * a thread when it is not. Resolves with whether it is kept: when the
 * thread could not, the caller compiles in place, as before.
 */
export async function keepSchemaCode(appTypes: readonly AppTypeSchema[]): Promise<boolean> {
  const dir = currentSchemaCodeDir();
  if (dir === undefined) return false;
  if (validatorIsKept(appTypes)) return true;
  // A pool of one, shut down at once: the thread's isolate, and the
  // compiler's garbage with it, go as soon as the code is kept. (The pool,
  // and node:worker_threads with it, load only here, when needed.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ThreadPool } = require('../kernel/threads/thread-pool.js') as typeof import('../kernel/threads/thread-pool.js');
  const pool = new ThreadPool({ size: 1 });
  await pool.run(path.join(compiledRoot, 'config', 'schema-compile-entry.js'), 'compileSchemaCode', dir, appTypes).catch(() => undefined);
  await pool.shutdown();
  // The thread's C heap (its arena) is free now, but glibc keeps it: ~15 MB given back.
  trimMemory();
  return validatorIsKept(appTypes);
}
