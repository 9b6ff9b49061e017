// The golden corpus: configurations Unit's users write, each invalid one
// with the exact message and JSON Pointer Weft must answer.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { CHECKS } from '../src/config/checks/index.js';
import type { ValidationContext } from '../src/config/context.js';
import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';
import { validatorFor } from '../src/config/schema.js';
import type { WeftConfig } from '../src/config/types.js';
import { validateConfig } from '../src/config/validate.js';

interface ValidEntry {
  name: string;
  config: unknown;
}

interface InvalidEntry extends ValidEntry {
  detail: string;
  path: string;
}

const CORPUS = path.join(__dirname, '..', '..', 'test', 'corpus');

function load<T>(file: string): T[] {
  return JSON.parse(fs.readFileSync(path.join(CORPUS, file), 'utf8')) as T[];
}

const valid = load<ValidEntry>('valid-configs.json');
const invalid = load<InvalidEntry>('invalid-configs.json');

const USERS: Record<string, { uid: number; gid: number }> = {
  www: { uid: 33, gid: 33 },
  app: { uid: 1000, gid: 1000 },
  nobody: { uid: 65534, gid: 65534 },
};
const GROUPS: Record<string, { gid: number }> = {
  www: { gid: 33 },
  app: { gid: 1000 },
  staff: { gid: 50 },
  nogroup: { gid: 65534 },
};

// The corpus is written against this host: the two example application
// types, three stored certificates and a small user database.
const context: ValidationContext = {
  appTypes: EXAMPLE_APP_TYPES,
  certificates: new Set(['bundle', 'example.com', 'example.org']),
  lookupUser: (name) => USERS[name] ?? null,
  lookupGroup: (name) => GROUPS[name] ?? null,
  defaultUser: 'nobody',
};

test('the corpus is big enough and its names are unique', (t) => {
  t.true(invalid.length >= 150, `${invalid.length} invalid configurations`);
  t.true(valid.length >= 30, `${valid.length} valid configurations`);
  const names = [...valid, ...invalid].map((e) => e.name);
  t.is(new Set(names).size, names.length);
});

for (const entry of valid) {
  test(`valid: ${entry.name}`, (t) => {
    t.deepEqual(validateConfig(entry.config, context), { ok: true });
  });
}

for (const entry of invalid) {
  test(`invalid: ${entry.name}`, (t) => {
    t.deepEqual(validateConfig(entry.config, context), { ok: false, detail: entry.detail, path: entry.path });
  });
}

// Which part of validation rejects an entry: the schema or a named check.
function rejectedBy(config: unknown): string | null {
  if (validatorFor(context.appTypes).check(config)) return 'schema';
  for (const { name, check } of CHECKS) {
    if (check(config as WeftConfig, context)) return name;
  }
  return null;
}

test('every cross-check rejects at least one corpus entry', (t) => {
  const used = new Set(invalid.map((e) => rejectedBy(e.config)));
  t.false(used.has(null));
  for (const name of ['schema', ...CHECKS.map((c) => c.name)]) t.true(used.has(name), name);
});

test('every isolation rule rejects at least one corpus entry', async (t) => {
  const { ISOLATION_RULES } = await import('../src/config/checks/isolation.js');
  const hits = new Set<string>();
  for (const entry of invalid) {
    const apps = (entry.config as WeftConfig | null)?.applications;
    if (rejectedBy(entry.config) !== 'isolation' || !apps) continue;
    for (const [name, app] of Object.entries(apps)) {
      const subject = { app, isolation: app.isolation ?? {}, path: `/applications/${name}/isolation`, context };
      const rule = ISOLATION_RULES.find((r) => r.check(subject) !== null);
      if (rule) hits.add(rule.name);
    }
  }
  t.deepEqual([...hits].sort(), ISOLATION_RULES.map((r) => r.name).sort());
});
