// The thread schema-compile-thread.ts starts: compiles the schema for the
// types it is given and keeps its code in the directory it is given.
import { workerData } from 'node:worker_threads';

import { setSchemaCodeDir } from './schema-code-cache.js';
import type { SchemaThreadData } from './schema-compile-thread.js';
import { validatorFor } from './schema.js';

const { dir, appTypes } = workerData as SchemaThreadData;
setSchemaCodeDir(dir);
validatorFor(appTypes);
