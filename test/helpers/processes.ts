// Looking at processes the way a user would: /proc.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { scaled } from './machine.js';

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; it only waits to be reaped.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
}

export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  return { pid, comm, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]) };
}

/** Children of `ppid` as /proc shows them (zombies included). */
export function childrenOf(ppid: number): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.ppid === ppid) out.push(st);
  }
  return out;
}

export function openFds(pid: number | 'self' = 'self'): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Resolves once `check` holds, polling /proc (a user would do the same with
 * ps). The timeout is a bound for an idle machine, scaled by load.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10000, what = 'condition'): Promise<void> {
  timeoutMs = scaled(timeoutMs);
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What `ps -o command` shows; '' once the process is gone (children exit while tests walk them). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return '';
    throw e;
  }
}

/**
 * pids at the other end of every connected unix socket `pid` holds, as the
 * kernel reports them (ss -xp): the channels a process really has.
 */
export function unixPeers(pid: number): number[] {
  const r = spawnSync('ss', ['-xpn'], { encoding: 'utf8' });
  const owner = new Map<string, number[]>();
  const lines = r.stdout.split('\n').slice(1);
  const parsed = lines
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 9)
    .map((f) => ({
      local: f[5],
      peer: f[7],
      pids: [
        ...f
          .slice(8)
          .join(' ')
          .matchAll(/pid=(\d+)/g),
      ].map((m) => Number(m[1])),
    }));
  for (const p of parsed) owner.set(p.local, p.pids);
  const peers = new Set<number>();
  for (const p of parsed) {
    if (!p.pids.includes(pid)) continue;
    for (const other of owner.get(p.peer) ?? []) if (other !== pid) peers.add(other);
  }
  return [...peers].sort((a, b) => a - b);
}
