// The python plugin as Weft's other parts see it: discovery takes several
// modules from one plugin (one per interpreter), "type" picks one by
// version, the config schema has Unit's python members, and a rootfs gets
// the module's own directories with language_deps.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { descriptors } from '../plugins/python/index.js';
import { depsOf, findInterpreters, probe } from '../plugins/python/interpreters.js';
import { resolveAppType } from '../src/config/app-types.js';
import type { AppTypeSchema } from '../src/config/app-types.js';
import { validateConfig } from '../src/config/validate.js';
import { isolationOptions } from '../src/isolation/app-isolation.js';
import { discoveryContext, findPlugins } from '../src/process-types/discovery/find-plugins.js';
import { PYTHON } from './helpers/python-app.js';
import { tempDir } from './helpers/tmp.js';

test('discovery: a plugin with descriptors() gives one module per version, with its lib, data and deps', (t) => {
  const dir = tempDir(t, 'weft-plugins-');
  fs.mkdirSync(path.join(dir, 'multi'));
  fs.writeFileSync(
    path.join(dir, 'multi', 'index.js'),
    `exports.descriptors = () => [
      { type: 'multi', version: '1.2.3', members: {}, required: [], lib: '/opt/multi-1.2/bin/multi', data: { which: 'old' }, deps: ['/opt/multi-1.2'] },
      { type: 'multi', version: '2.0.1', members: {}, required: [], lib: '/usr/bin/multi2', data: { which: 'new' } },
      { type: 'multi', version: '2.0.1', members: {}, required: [] },
      { type: 'Bad3', version: '1', members: {}, required: [] },
    ];`,
  );
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'index.js'), `exports.descriptors = () => { throw new Error('no interpreter today'); };`);
  const found = findPlugins([dir]);
  t.deepEqual(
    found.modules.map((m) => [m.type, m.version, m.lib, m.data, m.deps]),
    [
      ['multi', '1.2.3', '/opt/multi-1.2/bin/multi', { which: 'old' }, ['/opt/multi-1.2']],
      ['multi', '2.0.1', '/usr/bin/multi2', { which: 'new' }, undefined],
    ],
  );
  t.deepEqual(
    found.failures.map((f) => [path.basename(path.dirname(f.file)), f.reason]),
    [
      ['broken', 'no interpreter today'],
      ['multi', 'its type "Bad3" must be lower-case letters, "_" and "-" (a digit would read as a version)'],
    ],
  );
  // "multi 1" picks 1.2.3, "multi" the highest.
  const types = found.modules as AppTypeSchema[];
  t.is(resolveAppType('multi 1', types)?.version, '1.2.3');
  t.is(resolveAppType('multi', types)?.version, '2.0.1');
  t.is(resolveAppType('multi 3', types), null);
});

test('the python plugin finds the test interpreter by running it', (t) => {
  const it = probe(PYTHON);
  t.truthy(it);
  const mine = descriptors().find((d) => d.version === it!.version);
  t.truthy(mine, JSON.stringify(descriptors()));
  t.is(mine!.type, 'python');
  t.is(mine!.lib, fs.realpathSync(it!.executable));
  t.deepEqual(mine!.data, { interpreter: fs.realpathSync(it!.executable) });
  // Debian's interpreter lives in /usr: nothing to bind beyond language_deps' system dirs.
  if (it!.executable.startsWith('/usr/')) t.deepEqual(depsOf(it!), []);
  t.deepEqual(depsOf({ executable: '/opt/py/bin/python3.12', version: '3.12.1', prefix: '/' }), []);
});

test("what an interpreter said of itself is kept between starts, keyed by its binary's path, size and mtime; a wrapper's answer is asked again", (t) => {
  const real = fs.realpathSync(PYTHON);
  const env = { PATH: '' };
  // A first start: the interpreters are run, and what they said is what discovery hands main to keep.
  const first = discoveryContext();
  const found = findInterpreters(env, first.cached.bind(first)).find((i) => i.executable === real);
  t.truthy(found);
  const st = fs.statSync(real);
  const key = `python-probe ${real} ${st.size} ${st.mtimeMs}`;
  t.deepEqual(first.used[key], found);
  // The next start takes the kept answer without running anything (a doctored one shows it was used).
  const doctored = { ...found!, version: '3.99.0' };
  const next = discoveryContext({ [key]: doctored, 'python-probe /gone 1 1': doctored });
  t.deepEqual(
    findInterpreters(env, next.cached.bind(next)).find((i) => i.executable === real),
    doctored,
  );
  t.deepEqual(Object.keys(next.used), [key], 'entries no start asks for are dropped');
  // Another binary at that path (another size or mtime) is another key: run again.
  const changed = discoveryContext({ [`python-probe ${real} ${st.size + 1} ${st.mtimeMs}`]: doctored });
  t.deepEqual(
    findInterpreters(env, changed.cached.bind(changed)).find((i) => i.executable === real),
    found,
  );
  // A wrapper (what a pyenv shim is) may answer differently with no change to itself: asked every time.
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'python3'), `#!/bin/sh\nexec ${real} "$@"\n`, { mode: 0o755 });
  const wrapper = fs.realpathSync(path.join(dir, 'python3'));
  const ws = fs.statSync(wrapper);
  const wrapped = discoveryContext({
    [`python-probe ${wrapper} ${ws.size} ${ws.mtimeMs}`]: { ...doctored, executable: '/opt/elsewhere/bin/python3' },
  });
  const viaWrapper = findInterpreters({ PATH: dir }, wrapped.cached.bind(wrapped));
  t.true(
    viaWrapper.some((i) => i.executable === real && i.version === found!.version),
    JSON.stringify(viaWrapper),
  );
  t.false(
    viaWrapper.some((i) => i.version === '3.99.0'),
    "the wrapper's kept answer was not taken",
  );
});

const PY = (version: string): AppTypeSchema => {
  const d = descriptors()[0];
  return { type: 'python', version, members: d?.members ?? {}, required: [] };
};

test("the config schema: Unit's python members, targets that can be passed to", (t) => {
  const types = [PY('3.11.2'), PY('3.12.1')];
  const ok = (app: object, pass = 'applications/py') =>
    validateConfig(
      { listeners: { '*:80': { pass } }, applications: { py: { type: 'python 3.11', ...app } } },
      { appTypes: types, certificates: new Set<string>() },
    );
  t.deepEqual(
    ok({
      module: 'wsgi',
      callable: 'app',
      factory: true,
      home: '/venv',
      path: ['/srv'],
      prefix: '/api',
      protocol: 'asgi',
      threads: 4,
      thread_stack_size: 262144,
    }),
    { ok: true },
  );
  t.deepEqual(ok({ path: '/srv', module: 'wsgi' }), { ok: true });
  t.deepEqual(ok({ targets: { front: { module: 'f', prefix: '/f' }, back: { module: 'b', callable: 'app' } } }, 'applications/py/front'), {
    ok: true,
  });
  const bad = ok({ targets: { front: { module: 'f' } } }, 'applications/py/nope');
  t.false(bad.ok);
  const problems: Array<[object, string, RegExp]> = [
    [{ module: 'm', protocol: 'cgi' }, '/applications/py/protocol', /"wsgi" or "asgi"/],
    [{ module: 'm', prefix: 'api' }, '/applications/py/prefix', /must start with "\/"/],
    [{ module: 'm', prefix: '/api/' }, '/applications/py/prefix', /must not end with "\/"/],
    [{ module: 'm', threads: 0 }, '/applications/py/threads', /threads/],
    [{ module: 'm', path: [1] }, '/applications/py/path/0', /path/],
    [{ module: 'm', script: 'x.js' }, '/applications/py/script', /Unknown parameter "script"|script/],
    [{ targets: { a: { callable: 'x' } } }, '/applications/py/targets/a/module', /module/],
  ];
  for (const [app, where, message] of problems) {
    const r = ok(app) as { ok: false; detail: string; path: string };
    t.false(r.ok, JSON.stringify(app));
    t.is(r.path, where, JSON.stringify(app));
    t.regex(r.detail, message);
  }
  t.is(resolveAppType('python 3.11', types)?.version, '3.11.2');
  t.is(resolveAppType('python3', types)?.version, '3.12.1');
});

test("a rootfs with language_deps binds the module's own directories read-only; without it, not", (t) => {
  const creds = { user: 'root', group: 'root', uid: 0, gid: 0, groups: [] };
  const app = (automount?: object) => ({
    type: 'python',
    isolation: { rootfs: '/srv/root', namespaces: { mount: true }, ...(automount ? { automount } : {}) },
  });
  const bound = isolationOptions('py', app() as never, creds, [], undefined, ['/opt/python-3.12']);
  t.truthy(bound.mounts?.find((m) => m.source === '/opt/python-3.12' && m.target === '/opt/python-3.12' && m.readonly));
  const off = isolationOptions('py', app({ language_deps: false }) as never, creds, [], undefined, ['/opt/python-3.12']);
  t.falsy(off.mounts?.find((m) => m.source === '/opt/python-3.12'));
});
