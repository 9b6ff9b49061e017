// The python application plugin: `"type": "python"` (or "python 3.11")
// runs a WSGI or ASGI app as Unit does, with the members Unit gives it
// (module, callable, factory, home, path, prefix, protocol, targets,
// threads, thread_stack_size). Each interpreter found is a module of its
// own version; the app's processes run it on Weft's Python runtime
// (runtime/, standard library only), which serves the app over the
// channel and connections Weft hands it.
import fs from 'node:fs';
import path from 'node:path';

import type { Application } from '../../src/config/types.js';
import { ErrorCodes, WeftError } from '../../src/errors.js';
import type { DiscoveryContext, LaunchSpec, PluginContext, PluginDescriptor } from '../../src/protocol/plugin-api.js';
import { depsOf, findInterpreters } from './interpreters.js';
import { pythonMembers } from './schema.js';
import { inspectHome, minorOf } from './venv.js';

/**
 * The runtime's entry, in the source tree (this file runs from
 * dist/plugins/python/): the same place in a checkout, an installed
 * package, and at /.weft inside an app's rootfs.
 */
export const runtimeMain = path.resolve(__dirname, '..', '..', '..', 'plugins', 'python', 'runtime', 'main.py');

/** What the runtime reads from WEFT_PYTHON. */
export const PYTHON_ENV = 'WEFT_PYTHON';

interface PythonApp extends Application {
  module?: string;
  callable?: string;
  factory?: boolean;
  home?: string;
  path?: string | string[];
  prefix?: string;
  protocol?: 'wsgi' | 'asgi';
  targets?: Record<string, { module: string; callable?: string; factory?: boolean; prefix?: string }>;
  threads?: number;
  thread_stack_size?: number;
}

/** One module per interpreter found; what each said of itself is kept between starts (ctx.cached). */
export function descriptors(ctx?: DiscoveryContext): PluginDescriptor[] {
  return findInterpreters(process.env, ctx && ((key, find) => ctx.cached(key, find))).map((it) => ({
    type: 'python',
    version: it.version,
    members: pythonMembers,
    required: [],
    lib: it.executable,
    data: { interpreter: it.executable },
    deps: depsOf(it),
    // The router accepts for Python apps (they do not run Weft's request engine) and speaks frames to them.
    serving: { engine: false, transport: 'frames' as const },
  }));
}

function fail(code: (typeof ErrorCodes)[keyof typeof ErrorCodes], message: string): never {
  throw new WeftError(code, message);
}

/** The interpreter and extra environment an app runs with. */
function interpreterOf(a: PythonApp, ctx: PluginContext): { file: string; env: Record<string, string> } {
  const moduleVersion = ctx.module?.version ?? '';
  const base = ctx.module?.data?.interpreter;
  if (a.home !== undefined) {
    const home = inspectHome(a.home, moduleVersion);
    if (home.interpreter) return { file: home.interpreter, env: {} };
    if (typeof base === 'string') return { file: base, env: { PYTHONHOME: a.home } };
  }
  if (typeof base !== 'string') fail(ErrorCodes.PYTHON_INTERPRETER, 'the python module names no interpreter');
  return { file: base, env: {} };
}

export function prototypeSetup(app: Application, ctx: PluginContext): void {
  const a = app as PythonApp;
  if (a.targets === undefined && a.module === undefined) {
    fail(ErrorCodes.PYTHON_CONFIG, 'a python application needs "module" (or "targets")');
  }
  if (a.targets !== undefined) {
    const own = (['module', 'callable', 'factory', 'prefix'] as const).filter((m) => a[m] !== undefined);
    if (own.length > 0) fail(ErrorCodes.PYTHON_CONFIG, `with "targets", "${own[0]}" belongs in each target`);
    if (Object.keys(a.targets).length === 0) fail(ErrorCodes.PYTHON_CONFIG, '"targets" names no target');
  }
  // Seen from inside the app's root and as the app's user: what will run.
  if (a.home !== undefined) {
    let st: fs.Stats;
    try {
      st = fs.statSync(a.home);
    } catch (e) {
      fail(ErrorCodes.PYTHON_HOME, `the "home" directory "${a.home}" cannot be used: ${(e as NodeJS.ErrnoException).code}`);
    }
    if (!st.isDirectory()) fail(ErrorCodes.PYTHON_HOME, `"home" ("${a.home}") is not a directory`);
    const home = inspectHome(a.home, ctx.module?.version ?? '');
    const version = ctx.module?.version;
    if (home.version && version && minorOf(home.version) !== minorOf(version)) {
      fail(
        ErrorCodes.PYTHON_HOME,
        `the virtualenv "${a.home}" is Python ${home.version}, but the type selects python ${version}: make it with Python ${minorOf(version)}`,
      );
    }
  }
  const { file } = interpreterOf(a, ctx);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch (e) {
    fail(ErrorCodes.PYTHON_INTERPRETER, `the interpreter "${file}" cannot be run: ${(e as NodeJS.ErrnoException).code}`);
  }
  try {
    fs.accessSync(runtimeMain, fs.constants.R_OK);
  } catch (e) {
    fail(ErrorCodes.PYTHON_INTERPRETER, `Weft's Python runtime "${runtimeMain}" cannot be read: ${(e as NodeJS.ErrnoException).code}`);
  }
}

export function launch(app: Application, ctx: PluginContext): LaunchSpec {
  const a = app as PythonApp;
  const { file, env } = interpreterOf(a, ctx);
  const settings = {
    module: a.module,
    callable: a.callable,
    factory: a.factory,
    path: typeof a.path === 'string' ? [a.path] : a.path,
    prefix: a.prefix,
    protocol: a.protocol,
    targets: a.targets,
    threads: a.threads,
    thread_stack_size: a.thread_stack_size,
    processes: a.processes,
  };
  return {
    file,
    // -u: what the app prints reaches the log as it prints it.
    args: [file, '-u', runtimeMain],
    env: { ...ctx.env, ...env, [PYTHON_ENV]: JSON.stringify(settings) },
  };
}
