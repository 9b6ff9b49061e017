// When no kept copy of the schema's code fits the application types (the
// first start with other plugins than the build's), the schema is compiled
// in a thread of its own: the calling process (main) never loads ajv's
// compiler, whose garbage would stay in its heap, and loads the code the
// thread kept like any kept copy. Its own file: ava gives each file a
// process, and no other test here may have loaded ajv first.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';
import { setSchemaCodeDir } from '../src/config/schema-code-cache.js';
import { keepSchemaCode } from '../src/config/schema-compile-thread.js';
import { validatorFor, validatorIsKept } from '../src/config/schema.js';
import { tempDir } from './helpers/tmp.js';

const compilerLoaded = (): boolean => Object.keys(require.cache).some((k) => /[/\\]ajv[/\\]dist[/\\](2020|core|compile)/.test(k));

test('a schema no kept copy fits is compiled in a thread and kept; this process never loads the compiler', async (t) => {
  const dir = path.join(tempDir(t), 'schema-cache');
  setSchemaCodeDir(dir);
  t.teardown(() => setSchemaCodeDir(undefined));
  // A type of its own: neither the build's copy nor any other fits.
  const types = [...EXAMPLE_APP_TYPES, { type: 'threaded', version: `${process.pid}.1`, members: { x: { type: 'string' } } }];
  t.false(validatorIsKept(types));
  await keepSchemaCode(types);
  t.true(validatorIsKept(types), 'the thread kept its code');
  t.is(fs.readdirSync(dir).filter((n) => /^schema-[0-9a-f]+\.js$/.test(n)).length, 1);
  const validator = validatorFor(types);
  t.is(validator.check({ applications: { a: { type: 'threaded', x: 'y' } } }), null);
  t.not(validator.check({ applications: { a: { type: 'threaded', x: 1 } } }), null);
  t.false(compilerLoaded(), "ajv's compiler never loaded here");
});
