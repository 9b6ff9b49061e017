// Starting the real weftd for a test: its own temp dir for the control
// socket, state, pid file and log; stopped (and everything it started
// killed) when the test ends, whatever happened. At most a few trees are
// alive at once across the whole ava run (weftd-slots.ts), and waits scale
// with the machine's load (machine.ts).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { ExecutionContext } from 'ava';

import { capture } from './capture.js';
import type { Captured } from './capture.js';
import { scaled } from './machine.js';
import { childrenOf, isAlive, waitFor } from './processes.js';
import { tempDir } from './tmp.js';
import { takeSlot } from './weftd-slots.js';

export const WEFTD = path.resolve(__dirname, '..', '..', '..', 'bin', 'weftd');

export interface Weftd {
  dir: string;
  controlPath: string;
  logPath: string;
  pidPath: string;
  stateDir: string;
  /** main's pid */
  pid: number;
  process: ChildProcess;
  /** Resolves with main's exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log(): string;
  /** What weftd wrote to its stdout and stderr so far. */
  output(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** SIGQUIT, then waits for main's exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Wait for "weft ... started" (default true). */
  waitReady?: boolean;
  /** Reuse the files of an earlier weftd (a restart). */
  dir?: string;
  /** Instead of "--log <dir>/weft.log" (e.g. ["--log", "-"]); readiness is then looked for in the output. */
  logArgs?: string[];
  /** weftd's working directory (default: the test's). */
  cwd?: string;
  /** Node's own flags for main, which passes them on to every process it starts (e.g. --heapsnapshot-signal). */
  nodeArgs?: string[];
  /** Run bin/weftd as a program (its shell line, as a user's `weftd` does) with this Node first in PATH; not with nodeArgs. */
  asProgram?: boolean;
}

/** PATH with the Node running the tests first: what bin/weftd and bin/weft, run as programs, exec. */
export function pathWithThisNode(): string {
  return `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

export function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Polls a file the way `tail -f | grep` would. `from`: ignore text before
 * this offset. The timeout is a bound for an idle machine, scaled by load.
 */
export async function waitForFileText(file: string, pattern: RegExp, timeoutMs = 15000, from = 0): Promise<RegExpMatchArray> {
  timeoutMs = scaled(timeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = readLog(file).slice(from).match(pattern);
    if (m) return m;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in ${file}:\n${readLog(file)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Trees each test has alive: a test that already has one never waits for a second (no deadlock). */
const alive = new WeakMap<ExecutionContext, number>();

export async function startWeftd(t: ExecutionContext, options: StartOptions = {}): Promise<Weftd> {
  const held = alive.get(t) ?? 0;
  const release = held > 0 ? () => undefined : await takeSlot();
  alive.set(t, held + 1);
  let counted = true;
  const forget = (): void => {
    if (!counted) return;
    counted = false;
    alive.set(t, (alive.get(t) ?? 1) - 1);
    release();
  };
  // A test that fails before its weftd started still gives the slot back.
  t.teardown(forget);
  const dir = options.dir ?? tempDir(t, 'weftd-');
  const controlPath = path.join(dir, 'control.sock');
  const logPath = path.join(dir, 'weft.log');
  const pidPath = path.join(dir, 'weft.pid');
  const stateDir = path.join(dir, 'state');
  const args = [
    ...(options.nodeArgs ?? []),
    WEFTD,
    '--no-daemon',
    '--control',
    `unix:${controlPath}`,
    '--statedir',
    stateDir,
    '--pid',
    pidPath,
    ...(options.logArgs ?? ['--log', logPath]),
    // A graceful stop waits this long at most for requests in flight (a test's teardown should not wait 30 s).
    ...((options.args ?? []).some((a) => a.startsWith('--stop-timeout')) ? [] : ['--stop-timeout', '5']),
    ...(options.args ?? []),
  ];
  // A restart appends to the same log: only what this run writes counts.
  const logStart = readLog(logPath).length;
  if (options.asProgram && options.nodeArgs?.length) throw new Error('asProgram runs bin/weftd without Node flags');
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (options.asProgram) env.PATH = pathWithThisNode();
  const child = spawn(options.asProgram ? WEFTD : process.execPath, options.asProgram ? args.slice(1) : args, {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;
  let done = false;
  // The tree dies with main (its children have PR_SET_PDEATHSIG): the slot frees with main.
  void exited.then(() => {
    done = true;
    forget();
  });

  t.teardown(async () => {
    if (done) return;
    const kids = childrenOf(pid).map((c) => c.pid);
    child.kill('SIGQUIT');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      for (const k of kids) if (isAlive(k)) process.kill(k, 'SIGKILL');
    }, 10000);
    await exited;
    clearTimeout(timer);
  });

  const weftd: Weftd = {
    dir,
    controlPath,
    logPath,
    pidPath,
    stateDir,
    pid,
    process: child,
    exited,
    log: () => readLog(logPath),
    output: () => output,
    waitForLog: (pattern, timeoutMs, from) => waitForFileText(logPath, pattern, timeoutMs, from),
    stop: async () => {
      if (!done) child.kill('SIGQUIT');
      return exited;
    },
  };
  if (options.waitReady ?? true) {
    const started = /\[info\] \d+#\d+ (weft|unit) [\d.]+ started|"message":"(weft|unit) [\d.]+ started"/;
    await Promise.race([
      // (both waits scale with the machine's load inside)
      options.logArgs
        ? waitFor(() => started.test(output), 30000, `"started" in weftd's output:\n${output}`)
        : weftd.waitForLog(started, 30000, logStart),
      exited.then((s) => {
        throw new Error(`weftd exited early (${JSON.stringify(s)}):\n${output}\n${weftd.log()}`);
      }),
    ]);
  }
  return weftd;
}

/**
 * weftd in the foreground with files of its own in a temp dir (control
 * socket c.sock, pid file p, state dir s, log), run to its exit: for starts
 * that must fail. Returns what it printed, its exit and the dir.
 */
export async function runWeftdToExit(t: ExecutionContext, extra: string[]): Promise<Captured & { dir: string }> {
  const dir = tempDir(t);
  const args = ['--no-daemon', '--control', `unix:${dir}/c.sock`, '--pid', `${dir}/p`, '--statedir', `${dir}/s`, '--log', `${dir}/log`];
  const r = await capture({ file: process.execPath, args: ['node', WEFTD, ...args, ...extra] });
  return { ...r, dir };
}
