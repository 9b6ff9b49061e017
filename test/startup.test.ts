// Start-up (issue 15): discovery, controller and router start together, the
// configuration waits only for what it needs (the application types), and
// the compiled configuration schema is kept as code between starts. Order
// and readiness are asserted here; how long it takes is bench/startup's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { cacheFileData, compileModule } from '../src/code-cache.js';
import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';
import { buildValidator } from '../src/config/schema.js';
import { setSchemaCodeDir } from '../src/config/schema-code-cache.js';
import { census } from './helpers/census.js';
import { control } from './helpers/control.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine, waitFor } from './helpers/processes.js';
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
  const kept = (
    JSON.parse(fs.readFileSync(path.join(first.stateDir, 'discovery-cache.json'), 'utf8')) as { cache: Record<string, unknown> }
  ).cache;
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

/**
 * A --modulesdir with one plugin, "extra", whose discovery waits while the
 * file `gate` exists (bounded), and a --config serving a Node app on a free
 * port; the dir is readable by discovery's user.
 */
async function extraPluginSetup(
  t: ExecutionContext,
  version: string,
): Promise<{ dir: string; gate: string; port: number; args: string[] }> {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const gate = path.join(dir, 'gate');
  writeExtraPlugin(dir, version);
  const port = await freePort();
  const file = path.join(dir, 'c.json');
  const script = path.join(__dirname, '..', '..', 'test', 'fixtures', 'apps', 'plain-http.js');
  fs.writeFileSync(
    file,
    JSON.stringify({ listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/a' } }, applications: { a: { type: 'node', script } } }),
  );
  return { dir, gate, port, args: ['--config', file, '--modulesdir', path.join(dir, 'plugins')] };
}

function writeExtraPlugin(dir: string, version: string): void {
  const plugin = path.join(dir, 'plugins', 'extra');
  fs.mkdirSync(plugin, { recursive: true, mode: 0o755 });
  fs.writeFileSync(
    path.join(plugin, 'index.js'),
    `const fs = require('node:fs');
exports.descriptors = () => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 120000;
  while (fs.existsSync(${JSON.stringify(path.join(dir, 'gate'))}) && Date.now() < until) Atomics.wait(cell, 0, 0, 20);
  return [{ type: 'extra', version: ${JSON.stringify(version)} }];
};
`,
    { mode: 0o644 },
  );
}

test('a restart assumes the modules the last start found: its application serves before discovery has run, and the start completes once discovery confirms them', async (t) => {
  const { dir, gate, port, args } = await extraPluginSetup(t, '1.0');
  const first = await startWeftd(t, { args, dir });
  t.is((await request({ port }, '/info')).status, 200);
  t.regex(first.log(), /module: extra 1\.0 /);
  await first.stop();

  // Discovery cannot finish until the gate goes.
  fs.writeFileSync(gate, '');
  const from = first.log().length;
  const again = await startWeftd(t, { args, dir, waitReady: false });
  await waitFor(async () => (await request({ port }, '/info').catch(() => undefined))?.status === 200, 30000, 'the application serving');
  const since = (): string => again.log().slice(from);
  t.notRegex(since(), /module: /, 'discovery has not reported yet');
  t.notRegex(since(), /weft [\d.]+ started/, 'the start is not complete before discovery confirms the modules');
  // Discovery starts once the configuration is applied (at a lower
  // priority: its title may take a while) and cannot finish while the gate is there.
  await waitFor(
    () => childrenOf(again.pid).some((c) => commandLine(c.pid).includes('discovery')),
    30000,
    'discovery running (held by the gate)',
  );
  t.notRegex(since(), /weft [\d.]+ started/, 'still not complete');
  // The control API answers too (the controller took the same modules).
  const status = await control(again.controlPath, 'GET', '/status/modules/extra');
  t.is(status.status, 200, status.text);

  fs.rmSync(gate);
  await again.waitForLog(/weft [\d.]+ started/, 30000, from);
  t.regex(since(), /module: extra 1\.0 /);
  t.notRegex(since(), /differ/);
  await again.stop();
});

test("when discovery finds other modules than the last start's, the configuration is checked again and the controller takes the new list in place", async (t) => {
  const { dir, port, args } = await extraPluginSetup(t, '1.0');
  const first = await startWeftd(t, { args, dir });
  await first.stop();
  writeExtraPlugin(dir, '2.0');
  const from = first.log().length;
  const again = await startWeftd(t, { args, dir });
  const since = (): string => again.log().slice(from);
  t.regex(since(), /the application modules differ from the last start's/);
  t.is((await request({ port }, '/info')).status, 200);
  await waitFor(
    async () => {
      const answer = await control(again.controlPath, 'GET', '/status/modules/extra').catch(() => undefined);
      return answer?.status === 200 && (answer.body as { version?: string }).version === '2.0';
    },
    30000,
    '/status/modules/extra to say 2.0',
  );
  // The controller that validated with 1.0 takes the new list in place: it is still the one that started.
  const controllers = [...since().matchAll(/ (\d+)#\d+ controller started/g)].map((m) => m[1]);
  t.is(controllers.length, 1, since());
  t.notRegex(since(), new RegExp(`process ${controllers[0]} exited`));
  t.notRegex(since(), /unhandled notification/);
  // It validates with the new list: the version it started with is unknown now.
  const old = await control(again.controlPath, 'PUT', '/config/applications/b', JSON.stringify({ type: 'extra 1.0' }));
  t.is(old.status, 400);
  t.regex(JSON.stringify(old.body), /extra 1\.0/);
  const kept = JSON.parse(fs.readFileSync(path.join(again.stateDir, 'discovery-cache.json'), 'utf8')) as {
    modules: Array<{ type: string; version: string }>;
  };
  t.true(kept.modules.some((m) => m.type === 'extra' && m.version === '2.0'));
  // A third start assumes 2.0 and finds it: nothing differs.
  await again.stop();
  const from3 = again.log().length;
  const third = await startWeftd(t, { args, dir });
  t.notRegex(third.log().slice(from3), /differ/);
  await third.stop();
});

// The V8 code caches of the bundles and the kept schema (src/code-cache.ts).
const bundleDir = path.join(__dirname, '..', '..', 'dist', 'bundle');
const codeCache = JSON.parse(fs.readFileSync(path.join(bundleDir, 'code-cache.json'), 'utf8')) as { v8: string; entries: string[] };
// Another Node than the build's rejects them by design (and compiles as before): nothing to check then.
const sameNode = codeCache.v8 === process.versions.v8 ? test : test.skip;

sameNode("each bundle's code cache, and the kept schema's, fits the Node that built it", (t) => {
  t.deepEqual(codeCache.entries.sort(), ['app-entry', 'process-entry', 'weftd']);
  for (const name of codeCache.entries) {
    const file = path.join(bundleDir, `${name}-code.js`);
    t.is(compileModule(file, fs.readFileSync(file)).cachedDataRejected, false, `${name}: V8 takes the cache`);
  }
  const schemaDir = path.join(__dirname, '..', '..', 'dist', 'schema-cache');
  const kept = keptCopies(schemaDir);
  t.true(kept.length >= 1, 'the build keeps the schema as code');
  for (const name of kept) {
    const file = path.join(schemaDir, name);
    t.is(compileModule(file, fs.readFileSync(file)).cachedDataRejected, false, `${name}: V8 takes the cache`);
  }
});

test('a code cache others may write is not used, and one that does not fit is rejected: the code compiles and runs', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'code.js');
  const cache = `${file}.cache`;
  // Each case has source this process never compiled (V8 would answer from its own in-memory cache).
  const source = (value: string, n: number): string => `module.exports = ${value}; // ${n}`;
  /** The cache another Node process makes of this source, as the build's warm-up does. */
  const cacheOf = (src: string): void => {
    fs.rmSync(cache, { force: true });
    const make = `const s = new (require('node:vm').Script)(require('node:module').wrap(${JSON.stringify(src)}), { filename: ${JSON.stringify(file)} }); process.stdout.write(s.createCachedData());`;
    fs.writeFileSync(cache, cacheFileData(Buffer.from(src), execFileSync(process.execPath, ['-e', make])), { mode: 0o644 });
  };
  const run = (src: string): unknown => {
    fs.writeFileSync(file, src, { mode: 0o644 });
    const script = compileModule(file, fs.readFileSync(file));
    const m = { exports: {} as unknown };
    (script.runInThisContext() as (e: unknown, r: unknown, m: unknown) => void)(m.exports, require, m);
    return { value: m.exports, rejected: script.cachedDataRejected };
  };
  cacheOf(source('6 * 7', 1));
  t.deepEqual(run(source('6 * 7', 1)), { value: 42, rejected: false }, 'a fitting cache is taken');
  cacheOf(source('6 * 7', 2));
  fs.chmodSync(cache, 0o666);
  t.deepEqual(run(source('6 * 7', 2)), { value: 42, rejected: undefined }, 'a world-writable cache is not even offered to V8');
  const corrupt = cacheFileData(Buffer.from(source('6 * 7', 3)), Buffer.alloc(256, 7));
  fs.rmSync(cache);
  fs.writeFileSync(cache, corrupt, { mode: 0o644 });
  t.deepEqual(run(source('6 * 7', 3)), { value: 42, rejected: true }, 'a corrupt cache of this source is rejected by V8');
  // V8 would take it (it checks the length only) and run the other code: the digest keeps it from V8.
  cacheOf(source('6 * 7', 4));
  t.deepEqual(
    run(source('6 * 9', 4)),
    { value: 54, rejected: undefined },
    "a cache of other source of the same length is not offered: the file's code runs",
  );
});

test('what a process type does not use is not loaded: no process of a plain configuration holds node:crypto, zlib, https or tls', async (t) => {
  // Each costs every process that loads it start-up time and private memory
  // (crypto ~8 ms and 0.7 MiB, https with tls ~17 ms and 1.2 MiB).
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const report = path.join(dir, 'modules.txt');
  fs.writeFileSync(report, '', { mode: 0o666 });
  fs.chmodSync(report, 0o666);
  const probe = path.join(dir, 'probe.cjs');
  fs.writeFileSync(
    probe,
    `process.on('SIGUSR2', () => {
      const heavy = process.moduleLoadList.filter((m) => /^NativeModule (crypto|zlib|https|tls)$/.test(m)).map((m) => m.slice(13));
      require('node:fs').appendFileSync(${JSON.stringify(report)}, process.pid + ' ' + (heavy.join(',') || '-') + '\\n');
    });`,
    { mode: 0o644 },
  );
  const port = await freePort();
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
      routes: [{ match: { uri: '/old' }, action: { return: 301, location: '/' } }, { action: { pass: 'applications/hello' } }],
      applications: { hello: { type: 'node', processes: 1, script: path.join(__dirname, '..', '..', 'examples', 'hello', 'app.js') } },
    }),
  );
  const w = await startWeftd(t, { args: ['--config', config], env: { NODE_OPTIONS: `--require ${probe}` } });
  t.is((await request({ port }, '/')).status, 200);
  t.is((await request({ port }, '/old')).status, 301);
  t.is((await control(w.controlPath, 'GET', '/config')).status, 200);
  const members = census(w.pid).filter((m) => ['main', 'controller', 'router', 'application'].includes(m.kind));
  t.deepEqual([...new Set(members.map((m) => m.kind))].sort(), ['application', 'controller', 'main', 'router']);
  for (const m of members) process.kill(m.pid, 'SIGUSR2');
  const lines = (): Map<number, string> =>
    new Map(
      fs
        .readFileSync(report, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [Number(l.split(' ')[0]), l.split(' ')[1]]),
    );
  await waitFor(() => members.every((m) => lines().has(m.pid)), 15000, 'every process reports');
  for (const m of members) t.is(lines().get(m.pid), '-', `${m.title} (${m.kind})`);
});
