import Ajv2020 from 'ajv/dist/2020.js';
import test from 'ava';

import { appTypePattern, compareVersions, parseAppType, resolveAppType, versionMatches } from '../src/config/app-types.js';
import type { AppTypeSchema } from '../src/config/app-types.js';
import { EXAMPLE_APP_TYPES, EXAMPLE_NODE_APP_TYPE } from '../src/config/example-app-types.js';
import { baseSchema, buildSchema, buildValidator, validatorFor } from '../src/config/schema.js';
import { expectedTypes, typeMessage } from '../src/config/schema-errors.js';
import { validateConfig } from '../src/config/validate.js';
import { ErrorCodes, WeftError } from '../src/errors.js';

type Schema = Record<string, unknown>;

const context = (appTypes: readonly AppTypeSchema[]) => ({ appTypes, certificates: new Set<string>() });

/** Every schema object in a schema, with its location. */
function* schemas(node: unknown, where = '#', inCondition = false): Generator<[Schema, string, boolean]> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const schema = node as Schema;
  yield [schema, where, inCondition];
  for (const [keyword, value] of Object.entries(schema)) {
    if (['properties', '$defs', 'patternProperties'].includes(keyword)) {
      for (const [name, sub] of Object.entries(value as Schema)) yield* schemas(sub, `${where}/${keyword}/${name}`, inCondition);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(keyword)) {
      for (const [i, sub] of (value as unknown[]).entries()) yield* schemas(sub, `${where}/${keyword}/${i}`, inCondition);
    } else if (['items', 'additionalProperties', 'propertyNames', 'then', 'else', 'not', 'if'].includes(keyword)) {
      // What an "if" or a "not" holds only decides; its own errors never show.
      yield* schemas(value, `${where}/${keyword}`, inCondition || keyword === 'if' || keyword === 'not');
    }
  }
}

test('the published schema is valid JSON Schema 2020-12 and compiles in strict mode', (t) => {
  const ajv = new Ajv2020({ strict: false });
  t.true(ajv.validateSchema(baseSchema()) as boolean, JSON.stringify(ajv.errors));
  t.notThrows(() => buildValidator([]));
  t.is(baseSchema().$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('every member of the published schema has a title and a description', (t) => {
  const root = baseSchema();
  const defs = root.$defs as Record<string, Schema>;
  const resolve = (s: Schema): Schema => (typeof s.$ref === 'string' ? defs[s.$ref.replace('#/$defs/', '')] : s);
  let members = 0;
  for (const [schema, where] of schemas(root)) {
    for (const [name, member] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
      members++;
      const target = { ...resolve(member), ...member };
      t.is(typeof target.title, 'string', `${where}/properties/${name} has no title`);
      t.is(typeof target.description, 'string', `${where}/properties/${name} has no description`);
    }
  }
  t.true(members >= 100, `${members} members`);
});

test('every rule without a message of its own in Unit carries one', (t) => {
  // Keywords whose failures Unit words specifically; "type", "required" and
  // unknown members have generic messages.
  const specific = ['minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'minLength', 'pattern', 'enum', 'const', 'anyOf'];
  for (const [schema, where, inCondition] of schemas(baseSchema())) {
    if (inCondition) continue;
    for (const keyword of specific) {
      if (keyword in schema) t.is(typeof schema.errorMessage, 'string', `${where} has "${keyword}" but no errorMessage`);
    }
    if ('items' in schema) {
      const items = schema.items as Schema;
      const target = typeof items.$ref === 'string' ? (baseSchema().$defs as Record<string, Schema>)[items.$ref.slice(8)] : items;
      t.is(typeof target.errorMessage, 'string', `${where}/items has no errorMessage`);
    }
  }
});

test('the application types join only the composed schema', (t) => {
  const composed = buildSchema(EXAMPLE_APP_TYPES);
  const app = (composed.$defs as Record<string, Schema>).application;
  t.is(app.unevaluatedProperties, false);
  t.is((app.then as Schema).required instanceof Array, true);
  const published = (baseSchema().$defs as Record<string, Schema>).application;
  t.false('unevaluatedProperties' in published);
  t.false('if' in published);
  // Composing does not alter the plugins' own descriptions.
  t.deepEqual(EXAMPLE_NODE_APP_TYPE.required, ['script']);
});

test('without application types every type is unknown', (t) => {
  t.deepEqual(validateConfig({ applications: { a: { type: 'node', script: 'x' } } }, context([])), {
    ok: false,
    detail: 'The module to run "node" is not found among the available application modules; none is available.',
    path: '/applications/a/type',
  });
});

test('validators are compiled once per set of application types', (t) => {
  const types = [...EXAMPLE_APP_TYPES];
  const first = validatorFor(types);
  t.is(validatorFor(types), first);
  t.is(validatorFor([...EXAMPLE_APP_TYPES].reverse()), first);
  t.not(validatorFor([EXAMPLE_NODE_APP_TYPE]), first);
});

test('plugin schemas without messages get Unit-style ones', (t) => {
  const python: AppTypeSchema = {
    type: 'python',
    version: '3.12.1',
    members: {
      path: { title: 'Path', description: 'Module search path.', type: ['string', 'array'], items: { type: 'string' } },
      threads: { title: 'Threads', description: 'Threads per process.', type: 'integer', minimum: 1 },
      targets: { title: 'Targets', description: 'Entry points.', type: 'object' },
    },
    required: ['path'],
  };
  const check = (app: object) => validateConfig({ applications: { py: { type: 'python', ...app } } }, context([python]));
  t.deepEqual(check({ path: ['/srv', 3] }), {
    ok: false,
    detail: 'The "path" array must contain only string values.',
    path: '/applications/py/path/1',
  });
  t.deepEqual(check({ path: 3 }), {
    ok: false,
    detail: 'The "path" value must be either a string or an array, but not an integer number.',
    path: '/applications/py/path',
  });
  t.deepEqual(check({ path: '/srv', threads: 0 }), {
    ok: false,
    detail: 'The "threads" value is invalid.',
    path: '/applications/py/threads',
  });
  t.deepEqual(check({}), { ok: false, detail: 'Required parameter "path" is missing.', path: '/applications/py/path' });
});

test('targets of a plugin that has them can be passed to', (t) => {
  const python: AppTypeSchema = {
    type: 'python',
    version: '3.12.1',
    members: { targets: { title: 'Targets', description: 'Entry points.', type: 'object' } },
  };
  const config = (pass: string) => ({
    listeners: { '*:80': { pass } },
    applications: { py: { type: 'python', targets: { front: { module: 'front' } } } },
  });
  t.deepEqual(validateConfig(config('applications/py/front'), context([python])), { ok: true });
  t.deepEqual(validateConfig(config('applications/py/back'), context([python])), {
    ok: false,
    detail: 'Request "pass" points to invalid location "applications/py/back".',
    path: '/listeners/*:80/pass',
  });
});

test('malformed plugin descriptions fail loudly', (t) => {
  for (const type of ['python3', 'node js', '']) {
    const error = t.throws(() => buildValidator([{ type, version: '1', members: {} }]), { instanceOf: WeftError });
    t.is(error.code, ErrorCodes.ARGUMENT);
  }
  const error = t.throws(() => buildValidator([{ type: 'odd', version: '1', members: { x: { type: 'string', minimum: 1 } } }]), {
    instanceOf: WeftError,
  });
  t.regex(error.message, /does not compile/);
});

// --- type selection, as nxt_app_lang_module does it ---

const NODE_18: AppTypeSchema = {
  type: 'node',
  version: '18.19.0',
  members: { legacy: { title: 'Legacy', description: 'Only on 18.', type: 'boolean' } },
};
const NODE_20: AppTypeSchema = {
  type: 'node',
  version: '20.11.1',
  members: { modern: { title: 'Modern', description: 'Only on 20.', type: 'boolean' } },
};

test('"type" parses as Unit parses it', (t) => {
  t.deepEqual(parseAppType('node'), { name: 'node', version: '' });
  t.deepEqual(parseAppType('node 20.11'), { name: 'node', version: '20.11' });
  t.deepEqual(parseAppType('node20'), { name: 'node', version: '20' });
  t.deepEqual(parseAppType('node '), { name: 'node', version: '' });
  t.deepEqual(parseAppType('python3.12'), { name: 'python', version: '3.12' });
});

test('a version prefix must end on a part boundary', (t) => {
  t.true(versionMatches('20.11.1', ''));
  t.true(versionMatches('20.11.1', '20'));
  t.true(versionMatches('20.11.1', '20.'));
  t.true(versionMatches('20.11.1', '20.11'));
  t.true(versionMatches('20.11.1', '20.11.1'));
  t.false(versionMatches('20.11.1', '2'));
  t.false(versionMatches('20.11.1', '20.1'));
  t.false(versionMatches('20.11.1', '20.11.10'));
  t.false(versionMatches('20.11.1', '21'));
});

test('versions order numerically', (t) => {
  t.true(compareVersions('20.11.1', '20.9.0') > 0);
  t.true(compareVersions('3.9', '3.12') < 0);
  t.true(compareVersions('1.0', '1.0.1') < 0);
  t.is(compareVersions('1.35.0', '1.35.0'), 0);
});

test('the highest matching version is chosen', (t) => {
  const types = [NODE_18, NODE_20];
  t.is(resolveAppType('node', types), NODE_20);
  t.is(resolveAppType('node 18', types), NODE_18);
  t.is(resolveAppType('node18.19', types), NODE_18);
  t.is(resolveAppType('node 18.1', types), null);
  t.is(resolveAppType('node 22', types), null);
  t.is(resolveAppType('nodejs', types), null);
});

test('the schema selects the same plugin as resolveAppType', (t) => {
  const types = [NODE_18, NODE_20, ...EXAMPLE_APP_TYPES];
  const check = (type: string, member: string) =>
    validateConfig({ applications: { a: { type, [member]: true } } }, context([NODE_18, NODE_20]));
  t.deepEqual(check('node', 'modern'), { ok: true });
  t.like(check('node', 'legacy'), { ok: false, detail: 'Unknown parameter "legacy".' });
  t.deepEqual(check('node 18', 'legacy'), { ok: true });
  t.like(check('node 18', 'modern'), { ok: false, detail: 'Unknown parameter "modern".' });
  // The pattern a plugin gets in the schema accepts exactly what selects it.
  const candidates = [
    'node',
    'node ',
    'node 2',
    'node 20',
    'node20',
    'node 20.',
    'node 20.1',
    'node 20.11',
    'node 20.11.1',
    'node 20.11.10',
    'node  20',
    'node 18',
    'node1',
    'nod',
    'node 20 ',
    'external',
    'external 1.35',
    'external1',
    'external 1.3',
  ];
  for (const appType of types) {
    const pattern = new RegExp(appTypePattern(appType), 'u');
    for (const candidate of candidates) {
      const { name, version } = parseAppType(candidate);
      const selects = name === appType.type && versionMatches(appType.version, version);
      t.is(pattern.test(candidate), selects, `${appType.type} ${appType.version} vs "${candidate}"`);
    }
  }
});

// --- Unit's type wording ---

test('expected types read as Unit writes them', (t) => {
  t.is(expectedTypes(['string']), 'a string');
  t.is(expectedTypes(['array', 'string']), 'either a string or an array');
  t.is(expectedTypes(['number']), 'either an integer number or a fractional number');
  t.is(expectedTypes(['boolean', 'string', 'array']), 'either a boolean, a string, or an array');
  t.is(expectedTypes(['object', 'null', 'integer']), 'either a null, an integer number, or an object');
  t.is(typeMessage(null, ['object'], 1.5), 'The configuration must be an object, but not a fractional number.');
  t.is(typeMessage('max', ['integer'], false), 'The "max" value must be an integer number, but not a boolean.');
});
