// Start-up (issue 15): discovery, controller and router start together, the
// configuration waits only for what it needs (the application types), and
// the compiled configuration schema is kept as code between starts. Order
// and readiness are asserted here; how long it takes is bench/startup's.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';
import { buildValidator } from '../src/config/schema.js';
import { setSchemaCodeDir } from '../src/config/schema-code-cache.js';
import { freePort } from './helpers/ports.js';
import { tempDir } from './helpers/tmp.js';
import { runWeftdToExit, startWeftd } from './helpers/weftd.js';

interface InvalidEntry {
  name: string;
  config: unknown;
  detail: string;
  path: string;
}

const invalid = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'corpus', 'invalid-configs.json'), 'utf8'),
) as InvalidEntry[];

function keptCopies(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^schema-[0-9a-f]+\.js$/.test(n)) : [];
}

// The cache directory is process-wide state: these run one after another.
test.serial('a schema kept as code answers every corpus config exactly as the freshly compiled one', (t) => {
  const dir = path.join(tempDir(t), 'schema-cache');
  t.teardown(() => setSchemaCodeDir(undefined));
  const fresh = buildValidator(EXAMPLE_APP_TYPES);
  setSchemaCodeDir(dir);
  buildValidator(EXAMPLE_APP_TYPES);
  t.is(keptCopies(dir).length, 1, 'the first build keeps its code');
  const kept = buildValidator(EXAMPLE_APP_TYPES);
  for (const entry of invalid) t.deepEqual(kept.check(entry.config), fresh.check(entry.config), entry.name);
  t.is(kept.check({ listeners: {}, routes: [] }), null);
});

test.serial('a kept copy others may write, or one that reaches beyond ajv, is never run and is replaced', (t) => {
  const dir = path.join(tempDir(t), 'schema-cache');
  t.teardown(() => setSchemaCodeDir(undefined));
  setSchemaCodeDir(dir);
  buildValidator(EXAMPLE_APP_TYPES);
  const [name] = keptCopies(dir);
  const file = path.join(dir, name);
  const marker = '__weftSchemaCodeRan';
  const g = globalThis as Record<string, unknown>;

  fs.writeFileSync(file, `globalThis.${marker} = true; module.exports = () => true;`);
  fs.chmodSync(file, 0o666);
  const v1 = buildValidator(EXAMPLE_APP_TYPES);
  t.is(g[marker], undefined, 'a world-writable copy is not run');
  t.not(v1.check([]), null, 'the compiled validator is used instead');
  t.is(fs.statSync(file).mode & 0o022, 0, 'and its code replaces the copy');

  fs.writeFileSync(file, `require("child_process"); module.exports = () => true;`, { mode: 0o644 });
  const v2 = buildValidator(EXAMPLE_APP_TYPES);
  t.not(v2.check([]), null, 'code requiring more than ajv runtime helpers is refused');
  t.not(fs.readFileSync(file, 'utf8').slice(0, 40), 'require("child_process"); module.exports');
});

test('with a --config, the modules are found, controller and router are up and the configuration applied before "started"; the app serves', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755); // the app runs as nobody
  const port = await freePort();
  const app = path.join(dir, 'app.js');
  fs.writeFileSync(app, "require('http').createServer((q, s) => s.end('up')).listen(8080);\n");
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/a' } },
      applications: { a: { type: 'node', script: app } },
    }),
  );
  const w = await startWeftd(t, { args: ['--config', file] });
  const log = w.log();
  const started = log.search(/ weft \S+ started/);
  for (const line of [/module: node /, / controller started/, / router started/, /"a" application: the app listens/]) {
    const at = log.search(line);
    t.true(at >= 0 && at < started, `${line} before "started"`);
  }
  const body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
  t.is(body, 'up');
  // The state dir keeps a compiled schema only when the build's own copy does not fit these modules.
  t.true(keptCopies(path.join(w.stateDir, 'schema-cache')).length <= 1);
});

test('a --config only an application type can reject (so only after discovery) fails the start with its location, and nothing else fails', async (t) => {
  const file = path.join(tempDir(t), 'c.json');
  fs.writeFileSync(file, '{\n  "applications": {\n    "a": { "type": "node", "script": 1 }\n  }\n}\n');
  const r = await runWeftdToExit(t, ['--config', file]);
  const { dir } = r;
  t.is(r.status.code, 1);
  t.regex(r.stderr, new RegExp(`^weftd: ${file.replace(/[.]/g, '\\.')}:3:\\d+: .*\\(at /applications/a/script\\)\\n$`));
  const log = fs.readFileSync(`${dir}/log`, 'utf8');
  // The controller and router that started beside discovery were stopped, not failed.
  t.notRegex(log, /start-up failed|did not start/);
  t.false(fs.existsSync(`${dir}/p`), 'no pid file left');
});

test('what discovery learnt by running an interpreter is kept in the state dir; the next start finds the same modules', async (t) => {
  const first = await startWeftd(t);
  const modules = (log: string): string[] => [...log.matchAll(/module: .*$/gm)].map((m) => m[0]);
  const before = modules(first.log());
  t.true(before.length >= 2, first.log());
  await first.stop();
  const kept = JSON.parse(fs.readFileSync(path.join(first.stateDir, 'discovery-cache.json'), 'utf8')) as Record<string, unknown>;
  // One entry per Python interpreter that is its own executable (none when the machine has none).
  for (const line of before.filter((l) => l.startsWith('module: python'))) {
    const file = /"(.*)"$/.exec(line)![1];
    t.true(
      Object.keys(kept).some((k) => k.startsWith(`python-probe ${file} `)),
      JSON.stringify(kept),
    );
  }
  const seen = first.log().length;
  const again = await startWeftd(t, { dir: first.dir });
  t.deepEqual(modules(again.log().slice(seen)), before);
});

test("a --config's applications start as soon as main has read it; the router's first apply takes them as they are, without starting them again", async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const file = path.join(dir, 'c.json');
  const script = path.join(dir, 'missing.js');
  fs.writeFileSync(
    file,
    JSON.stringify({ listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/a' } }, applications: { a: { type: 'node', script } } }),
  );
  const r = await runWeftdToExit(t, ['--config', file]);
  t.is(r.status.code, 1);
  t.regex(r.stderr, new RegExp(`the script "${script.replace(/[.]/g, '\\.')}" cannot be read: ENOENT`));
  const log = fs.readFileSync(`${r.dir}/log`, 'utf8');
  // One start of its process, one check of why it failed: the early start was the one the configuration used.
  t.is([...log.matchAll(/"a" application: cannot load the app/g)].length, 1, log);
  t.is([...log.matchAll(/"a" prototype failed to start/g)].length, 1, log);
});
