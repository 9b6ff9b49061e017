// A census of one weftd tree as /proc shows it: what `ps` and `ls
// /proc/<pid>/fd` would tell an operator, for tests that count processes,
// fds and memory over time.
import fs from 'node:fs';

import { commandLine, procStat } from './processes.js';

export type ProcessKind = 'main' | 'controller' | 'router' | 'discovery' | 'prototype' | 'application' | 'zombie' | 'other';

export interface Member {
  pid: number;
  ppid: number;
  /** What `ps -o command` shows ('' for a zombie). */
  title: string;
  kind: ProcessKind;
  /** For a prototype or application: the app's name. */
  app?: string;
  fds: number;
  rssKiB: number;
  state: string;
}

export function kindOf(title: string): { kind: ProcessKind; app?: string } {
  const m = /^(?:weft|unit): (?:"(.*)" (prototype|application)|(main|controller|router|discovery)\b)/.exec(title);
  if (!m) return { kind: 'other' };
  if (m[2]) return { kind: m[2] as ProcessKind, app: m[1] };
  return { kind: m[3] as ProcessKind };
}

function fdCount(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function rss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every process under (and including) `mainPid`, parents before children. One pass over /proc. */
export function census(mainPid: number): Member[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: Member[] = [];
  const visit = (pid: number): void => {
    const st = procStat(pid);
    if (!st) return; // gone while we looked
    const zombie = st.state === 'Z';
    const title = zombie ? '' : commandLine(pid);
    const { kind, app } = zombie ? { kind: 'zombie' as const, app: undefined } : kindOf(title);
    out.push({ pid, ppid: st.ppid, title, kind, app, fds: zombie ? 0 : fdCount(pid), rssKiB: zombie ? 0 : rss(pid), state: st.state });
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(mainPid);
  return out;
}

/** The member whose title is exactly `title` (e.g. 'weft: router'); throws when there are several. */
export function findByTitle(members: Member[], title: string): Member | undefined {
  const found = members.filter((m) => m.title === title);
  if (found.length > 1) throw new Error(`${found.length} processes titled ${title}: ${found.map((m) => m.pid).join(' ')}`);
  return found[0];
}

export function withTitle(members: Member[], title: string): Member[] {
  return members.filter((m) => m.title === title);
}

/**
 * Counts by title, e.g. {"weft: router": 1, "weft: \"a\" application": 2},
 * zombies as "<zombie>": the shape to compare with what a config asks for.
 */
export function shape(members: Member[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of members) {
    const key = m.kind === 'zombie' ? '<zombie>' : m.kind === 'main' ? 'main' : m.title;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * What a configuration asks for: main, controller, router, and per app its
 * processes, plus one prototype for each app in `withPrototype` (those with
 * namespaces or a rootfs; main starts the processes of the others itself).
 * `apps` maps an app to its exact number of application processes.
 */
export function expectedShape(apps: Record<string, number>, withPrototype: string[] = [], prefix = 'weft'): Record<string, number> {
  const counts: Record<string, number> = { main: 1, [`${prefix}: controller`]: 1, [`${prefix}: router`]: 1 };
  for (const [app, n] of Object.entries(apps)) {
    if (withPrototype.includes(app)) counts[`${prefix}: "${app}" prototype`] = 1;
    if (n > 0) counts[`${prefix}: "${app}" application`] = n;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function describe(members: Member[]): string {
  return members.map((m) => `${m.pid} ${m.ppid} fds=${m.fds} rss=${m.rssKiB}k ${m.state} ${m.title || '<zombie>'}`).join('\n');
}

/** Established TCP connections `pid` holds whose local port is `port` (its accepted clients). */
export function tcpConnections(pid: number, port: number): number {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed while we looked
    }
  }
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1].split(':')[1], 16);
      // st 01 = ESTABLISHED; field 9 is the socket's inode.
      if (f[3] === '01' && localPort === port && inodes.has(f[9])) n++;
    }
  }
  return n;
}
