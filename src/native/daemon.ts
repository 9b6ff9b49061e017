// Daemon mode (the seed's nxt_process_daemon), done the only way Node allows:
// a forked Node cannot go on running JavaScript, so the launcher starts a
// fresh copy of the program as the daemon: its own session (setsid), umask 0,
// cwd /, stdin and stdout on /dev/null. The launcher stays until the daemon
// says it is ready (exit 0) or that it failed (exit 1 with the reason), so a
// daemon that cannot start never looks like a success.
import fs from 'node:fs';
import net from 'node:net';

import { ErrorCodes, WeftError } from '../errors.js';
import { createProcess } from './create-process.js';
import { socketPair } from './channel.js';

/** Set in the daemon's environment: the fd on which it reports readiness. */
export const READY_FD_ENV = 'WEFT_DAEMON_READY_FD';

export interface DaemonResult {
  ok: boolean;
  pid: number;
  /** Why it failed: its message, or what it printed before dying. */
  reason?: string;
}

/**
 * In the launcher: starts `args` (after the node binary) as a daemon and
 * waits until it reports. stderr of the daemon comes back here until then.
 */
export async function startDaemon(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<DaemonResult> {
  const [readyParent, readyChild] = socketPair('stream');
  const [errParent, errChild] = socketPair('stream');
  const devNull = fs.openSync('/dev/null', 'r+');
  let child;
  try {
    child = await createProcess({
      file: process.execPath,
      args: [process.execPath, ...process.execArgv, ...args],
      env: { ...env, [READY_FD_ENV]: '3' },
      cwd: '/',
      fds: [devNull, devNull, errChild, readyChild],
      setsid: true,
      umask: 0,
      dieWithParent: false,
      noNewPrivs: false,
    });
  } finally {
    fs.closeSync(devNull);
    fs.closeSync(readyChild);
    fs.closeSync(errChild);
  }
  const readAll = (fd: number): Promise<string> =>
    new Promise((resolve) => {
      const socket = new net.Socket({ fd, readable: true, writable: false });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (text += d));
      socket.on('error', () => resolve(text));
      socket.on('end', () => {
        socket.destroy();
        resolve(text);
      });
    });
  const stderrText = readAll(errParent);
  const report = await readAll(readyParent);
  if (report.startsWith('READY')) {
    child.unref();
    return { ok: true, pid: child.pid };
  }
  if (report.startsWith('ERROR ')) {
    return { ok: false, pid: child.pid, reason: report.slice(6).trim() };
  }
  const status = await child.exited;
  const printed = (await stderrText).trim();
  const how = status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
  return {
    ok: false,
    pid: child.pid,
    reason: `the daemon exited ${how} before it was ready${printed ? `:\n${printed}` : ''}`,
  };
}

/** In the daemon: how to tell the launcher; null when not started as one. */
export function daemonReporter(): { ready(): void; fail(reason: string): void } | null {
  const value = process.env[READY_FD_ENV];
  if (value === undefined) return null;
  delete process.env[READY_FD_ENV];
  const fd = Number(value);
  if (!Number.isInteger(fd) || fd < 0) {
    throw new WeftError(ErrorCodes.DAEMON, `${READY_FD_ENV} must be an fd number, not "${value}"`);
  }
  let done = false;
  const send = (text: string): void => {
    if (done) return;
    done = true;
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  };
  return {
    ready: () => send('READY\n'),
    fail: (reason) => send(`ERROR ${reason}\n`),
  };
}
