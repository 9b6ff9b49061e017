// Files main opens for others to append to: access logs, an application's
// stdout and stderr. "/dev/stdout" and "/dev/stderr" (what containers and
// systemd units use) are main's own fds 1 and 2, duplicated: opening them
// by name fails with ENXIO when they are sockets (journald, some container
// runtimes) and would truncate nothing but reopen a pipe or tty needlessly.
import fs from 'node:fs';

import { dup } from '../../native/index.js';

const STANDARD: Record<string, number> = { '/dev/stdout': 1, '/dev/stderr': 2 };

export function openForAppend(file: string): number {
  const std = STANDARD[file];
  if (std !== undefined) return dup(std);
  return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
}
