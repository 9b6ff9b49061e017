// A Python application process started the way Weft's prototype starts one
// (the python plugin's launch(): the interpreter on Weft's Python runtime,
// WEFT_APP and WEFT_PYTHON in its environment, fd 3 a port channel), with
// the test in the router's seat: a kernel Port on the other end of the
// channel, connections handed over with app.adopt (Weft's frames or
// HTTP/1.1). The process is killed when the test ends, whatever happened.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import type { ExecutionContext } from 'ava';

import { Logger } from '../../src/kernel/log/logger.js';
import { Port } from '../../src/kernel/ports/port.js';
import { socketPair } from '../../src/native/index.js';
import '../../src/protocol/application.js';
import type { ServeParams } from '../../src/protocol/application.js';
import { FrameConnection } from '../../src/transport/frames/index.js';
import type { Application } from '../../src/config/types.js';
import { launch, prototypeSetup } from '../../plugins/python/index.js';
import { probe } from '../../plugins/python/interpreters.js';
import type { Interpreter } from '../../plugins/python/interpreters.js';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const pythonFixtures = path.join(repoRoot, 'test', 'fixtures', 'python');
/**
 * The interpreter the tests run: Debian's (what Weft's discovery finds as an
 * unprivileged user), or WEFT_TEST_PYTHON to try the runtime on another.
 */
export const PYTHON = process.env.WEFT_TEST_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

export interface Failure {
  reason: string;
  code?: string;
}

export interface Load {
  active: number;
  total: number;
  direct: { accepted: number; closed: number; requests: number; active: number };
}

export interface StartOptions {
  /** The application's configuration (Unit's python members). `path` defaults to the fixtures. */
  config: Record<string, unknown>;
  name?: string;
  cwd?: string;
  env?: Record<string, string>;
  logLevel?: string;
}

let nextKey = 0x50000000;

export class PythonApp {
  readonly child: ChildProcess;
  readonly port: Port;
  /** The app as the port knows it. */
  readonly key: number;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly loads: Load[] = [];
  #stderr = '';
  #stdout = '';
  #failure: Failure | null = null;
  #waiters = new Set<() => void>();

  constructor(child: ChildProcess, port: Port, key: number) {
    this.child = child;
    this.port = port;
    this.key = key;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.#stderr += d;
      this.#wake();
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.#stdout += d;
      this.#wake();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.#wake());
    this.ready = new Promise<void>((resolve, reject) => {
      port.onNotify('main.app-ready', () => resolve());
      port.onNotify('main.app-failed', (params) => {
        this.#failure = params as Failure;
        reject(Object.assign(new Error(params.reason), params));
      });
      void this.exited.then((s) => reject(new Error(`the app exited (${JSON.stringify(s)}) before it was ready:\n${this.#stderr}`)));
    });
    this.ready.catch(() => undefined);
    port.onNotify('main.app-load', (params) => {
      this.loads.push(params as unknown as Load);
      this.#wake();
    });
  }

  get log(): string {
    return this.#stderr;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get failure(): Failure | null {
    return this.#failure;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves once `check` holds (re-checked whenever the app says or writes something, and every 20 ms). */
  until<T>(check: () => T | undefined | false, what: string, timeoutMs = 20000): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        const v = check();
        if (v !== undefined && v !== false) {
          clearTimeout(timer);
          clearInterval(poll);
          this.#waiters.delete(test);
          resolve(v);
        }
      };
      // Also polled: what the test waits for may come on a socket of its own.
      const poll = setInterval(test, 20);
      const timer = setTimeout(() => {
        this.#waiters.delete(test);
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}; the log:\n${this.#stderr}`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }

  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.until(() => this.#stderr.match(pattern) ?? undefined, `${pattern} in the log`, timeoutMs);
  }

  /** A connection for the app to serve, as the router hands one over (app.adopt). */
  adopt(transport: 'frames' | 'http'): net.Socket {
    const [ours, theirs] = socketPair('stream');
    this.port.notify(this.key, 'app.adopt', { slot: -1, transport }, [theirs]);
    fs.closeSync(theirs);
    return new net.Socket({ fd: ours, readable: true, writable: true });
  }

  /** A frames connection; `onIdle` hears when it can take the next request. */
  frames(onIdle: (c: FrameConnection) => void = () => undefined): FrameConnection {
    return new FrameConnection(this.adopt('frames'), onIdle);
  }

  serve(params: ServeParams, fds: number[] = []): Promise<unknown> {
    return this.port.call(this.key, 'app.serve', params, { fds, timeoutMs: 10000 });
  }

  stop(graceMs = 5000): void {
    this.port.notify(this.key, 'app.stop', { graceMs });
  }
}

let probed: Interpreter | null | undefined;

/** What discovery would make of the test interpreter: the module a "python" type selects. */
export function testModule(): { type: string; version: string; data: { interpreter: string } } {
  if (probed === undefined) probed = probe(PYTHON);
  if (!probed) throw new Error(`${PYTHON} does not answer as a Python 3.8+ does`);
  return { type: 'python', version: probed.version, data: { interpreter: probed.executable } };
}

/** Starts the app as the prototype would: the plugin's prototypeSetup(), then its launch() spec. */
export async function startPython(t: ExecutionContext, options: StartOptions): Promise<PythonApp> {
  const config = { type: 'python', path: [pythonFixtures], ...options.config } as unknown as Application;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const ctx = { runtimeEntry: '', nodePath: process.execPath, env, module: testModule() };
  prototypeSetup(config, ctx);
  const spec = launch(config, ctx);
  const [routerEnd, appEnd] = socketPair();
  const boot = {
    name: options.name ?? 'py',
    titlePrefix: 'weft',
    channelFd: 3,
    mainPid: process.pid,
    logLevel: options.logLevel ?? 'info',
    startTimeoutMs: 30000,
  };
  let child: ChildProcess;
  try {
    child = spawn(spec.file, spec.args.slice(1), {
      argv0: spec.args[0],
      cwd: options.cwd ?? pythonFixtures,
      env: { ...spec.env, WEFT_APP: JSON.stringify(boot) },
      stdio: ['ignore', 'pipe', 'pipe', appEnd],
    });
  } finally {
    fs.closeSync(appEnd);
  }
  const port = new Port(process.pid, new Logger({ fd: 2, level: 'alert' }));
  const key = nextKey++;
  port.link({ pid: key, type: 'application', cls: 'app', name: `"${boot.name}" application` }, routerEnd);
  const app = new PythonApp(child, port, key);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await app.exited;
    }
    port.closeAll();
  });
  return app;
}
