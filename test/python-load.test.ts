// Starting a Python app: what a Python user sees when it cannot start
// (ImportError, SyntaxError, a missing callable: the traceback in the log,
// the reason with a stable code to Weft, exit 1), targets, and "home" with a
// virtualenv made here with `python3 -m venv`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { prototypeSetup } from '../plugins/python/index.js';
import { ErrorCodes, WeftError } from '../src/errors.js';
import { request } from './helpers/http.js';
import { framesRouter } from './helpers/frames-router.js';
import { PYTHON, startPython, testModule } from './helpers/python-app.js';
import { tempDir } from './helpers/tmp.js';

async function failsToStart(t: Parameters<typeof startPython>[0], config: Record<string, unknown>) {
  const app = await startPython(t, { config });
  const error = (await t.throwsAsync(app.ready)) as Error & { code?: string };
  t.is((await app.exited).code, 1);
  return { app, error };
}

test('a module that cannot be imported: ImportError with its traceback, code and reason', async (t) => {
  const { app, error } = await failsToStart(t, { module: 'import_error' });
  t.is(error.message, 'Python failed to import module "import_error": ModuleNotFoundError: No module named \'not_a_module_anywhere\'');
  t.is(error.code, ErrorCodes.PYTHON_IMPORT);
  t.regex(
    app.log,
    /\[error\] \d+#\d+ "py" application: Python failed to import module "import_error"[\s\S]*Traceback \(most recent call last\):[\s\S]*import_error\.py", line 1/,
  );
  const missing = await failsToStart(t, { module: 'no_such_module' });
  t.regex(missing.error.message, /No module named 'no_such_module'/);
  const raising = await failsToStart(t, { module: 'raises_at_import' });
  t.is(raising.error.message, 'Python failed to import module "raises_at_import": RuntimeError: refusing to start');
});

test('a SyntaxError names the file and line', async (t) => {
  const { app, error } = await failsToStart(t, { module: 'syntax_error' });
  t.is(error.code, ErrorCodes.PYTHON_SYNTAX);
  t.regex(error.message, /^Python failed to import module "syntax_error": SyntaxError: .* \(.*syntax_error\.py, line 1\)$/);
  t.regex(app.log, /SyntaxError/);
});

test('a missing or uncallable callable', async (t) => {
  const missing = await failsToStart(t, { module: 'wsgi_app', callable: 'nope' });
  t.is(missing.error.message, 'Python failed to get "nope" from module "wsgi_app"');
  t.is(missing.error.code, ErrorCodes.PYTHON_CALLABLE);
  const uncallable = await failsToStart(t, { module: 'asgi_more', callable: 'not_callable' });
  t.is(uncallable.error.code, ErrorCodes.PYTHON_CALLABLE);
  // The default callable is "application".
  const defaulted = await failsToStart(t, { module: 'asgi_more' });
  t.is(defaulted.error.message, 'Python failed to get "application" from module "asgi_more"');
});

test('members that make no app are refused before anything runs', (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /needs "module"/],
    [{ module: 'a', targets: { x: { module: 'b' } } }, /with "targets", "module" belongs in each target/],
    [{ targets: {} }, /names no target/],
  ];
  for (const [config, message] of cases) {
    const error = t.throws(
      () => prototypeSetup({ type: 'python', ...config } as never, { runtimeEntry: '', nodePath: '', env: {}, module: testModule() }),
      { instanceOf: WeftError },
    );
    t.is(error.code, ErrorCodes.PYTHON_CONFIG);
    t.regex(error.message, message);
  }
});

test('targets: several entry points, each with its prefix; mixing WSGI and ASGI is refused', async (t) => {
  const app = await startPython(t, {
    config: {
      targets: {
        front: { module: 'asgi_more', callable: 'front', prefix: '/f' },
        back: { module: 'asgi_more', callable: 'back' },
        made: { module: 'asgi_more', callable: 'make_wsgi', factory: true },
      },
    },
  });
  await app.ready;
  const { port } = await framesRouter(t, app, (req) => ((req.url ?? '').split('/')[1] === 'f' ? 'front' : (req.url ?? '').split('/')[1]));
  t.is((await request({ port }, '/f/x')).text, 'front /f|/x');
  t.is((await request({ port }, '/back/y')).text, 'back |/back/y');
  t.is((await request({ port }, '/made/z')).text, 'wsgi from a factory at |/made/z');
  t.is((await request({ port }, '/unknown')).status, 404);
  const mixed = await startPython(t, {
    config: { targets: { a: { module: 'asgi_more', callable: 'front' }, b: { module: 'asgi_app', callable: 'app' } } },
  });
  const error = (await t.throwsAsync(mixed.ready)) as Error & { code?: string };
  t.is(error.code, ErrorCodes.PYTHON_PROTOCOL);
  t.regex(error.message, /"a" is wsgi, "b" is asgi3/);
});

test('home: a virtualenv made with python3 -m venv, its site-packages and interpreter', async (t) => {
  const dir = tempDir(t, 'weft-venv-');
  const venv = path.join(dir, 'venv');
  execFileSync(PYTHON, ['-m', 'venv', '--without-pip', venv]);
  const minor = testModule().version.split('.').slice(0, 2).join('.');
  const site = path.join(venv, 'lib', `python${minor}`, 'site-packages');
  fs.writeFileSync(
    path.join(site, 'only_in_venv.py'),
    'import sys\ndef application(environ, start_response):\n    start_response("200 OK", [])\n    return [(sys.prefix + "|" + sys.executable).encode()]\n',
  );
  const app = await startPython(t, { config: { module: 'only_in_venv', home: venv, path: [] } });
  await app.ready;
  const { port } = await framesRouter(t, app);
  const [prefix, executable] = (await request({ port }, '/')).text.split('|');
  t.is(prefix, venv);
  t.true(executable.startsWith(path.join(venv, 'bin')), executable);
  // A home that is not a directory, or a venv of another Python, is refused with the reason.
  const nowhere = await t.throwsAsync(startPython(t, { config: { module: 'x', home: path.join(dir, 'nope') } }), { instanceOf: WeftError });
  t.is(nowhere.code, ErrorCodes.PYTHON_HOME);
  const other = path.join(dir, 'other');
  fs.mkdirSync(path.join(other, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(other, 'pyvenv.cfg'), 'home = /usr/bin\nversion = 3.99.0\n');
  const mismatch = await t.throwsAsync(startPython(t, { config: { module: 'x', home: other } }), { instanceOf: WeftError });
  t.is(mismatch.code, ErrorCodes.PYTHON_HOME);
  t.regex(mismatch.message, /is Python 3\.99\.0, but the type selects python 3\.\d+/);
});
