// Runs a child made by createProcess and collects what it prints.
import fs from 'node:fs';
import net from 'node:net';

import { createProcess, socketPair } from '../../src/native/index.js';
import type { CreateProcessOptions, ExitStatus } from '../../src/native/index.js';

export interface Captured {
  stdout: string;
  stderr: string;
  status: ExitStatus;
  pid: number;
}

function collect(fd: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = new net.Socket({ fd, readable: true, writable: false });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

/** Runs to completion; stdout and stderr come back as text. */
export async function capture(options: CreateProcessOptions): Promise<Captured> {
  const [outRead, outWrite] = socketPair('stream');
  const [errRead, errWrite] = socketPair('stream');
  const stdin = fs.openSync('/dev/null', 'r');
  const stdout = collect(outRead);
  const stderr = collect(errRead);
  const fds = options.fds ? [...options.fds] : [];
  fds[0] = stdin;
  fds[1] = outWrite;
  fds[2] = errWrite;
  let child;
  try {
    child = await createProcess({ ...options, fds });
  } finally {
    // The child holds its own copies; ours must go for EOF to come.
    fs.closeSync(stdin);
    fs.closeSync(outWrite);
    fs.closeSync(errWrite);
  }
  const status = await child.exited;
  return { stdout: await stdout, stderr: await stderr, status, pid: child.pid };
}

/** A shell command, captured. */
export function sh(command: string, options: Partial<CreateProcessOptions> = {}): Promise<Captured> {
  return capture({ file: '/bin/sh', args: ['sh', '-c', command], env: { PATH: '/usr/bin:/bin' }, ...options });
}

export interface Running {
  child: Awaited<ReturnType<typeof createProcess>>;
  /** The next line the child prints on stdout (rejects if it exits first). */
  nextLine(): Promise<string>;
  /** Everything printed on stderr so far. */
  stderr(): string;
}

/** Starts a child whose stdout is read line by line while it runs. */
export async function start(options: CreateProcessOptions): Promise<Running> {
  const [outRead, outWrite] = socketPair('stream');
  const [errRead, errWrite] = socketPair('stream');
  const stdin = fs.openSync('/dev/null', 'r');
  let child;
  try {
    child = await createProcess({ ...options, fds: [stdin, outWrite, errWrite, ...(options.fds ?? []).slice(3)] });
  } finally {
    fs.closeSync(stdin);
    fs.closeSync(outWrite);
    fs.closeSync(errWrite);
  }
  const out = new net.Socket({ fd: outRead, readable: true, writable: false });
  const err = new net.Socket({ fd: errRead, readable: true, writable: false });
  let errText = '';
  err.setEncoding('utf8');
  err.on('data', (d: string) => (errText += d));
  err.on('error', () => {});
  out.setEncoding('utf8');
  let buffered = '';
  let ended = false;
  const waiters: Array<{ resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  const pump = (): void => {
    while (waiters.length > 0) {
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        waiters.shift()!.resolve(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      } else if (ended) {
        waiters.shift()!.reject(new Error(`the child closed stdout; stderr: ${errText}`));
      } else {
        return;
      }
    }
  };
  out.on('data', (d: string) => {
    buffered += d;
    pump();
  });
  out.on('error', () => {});
  out.on('close', () => {
    ended = true;
    pump();
  });
  return {
    child,
    nextLine: () =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ resolve, reject });
        pump();
      }),
    stderr: () => errText,
  };
}
