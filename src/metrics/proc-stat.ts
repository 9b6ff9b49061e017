// What /proc says about a process: its parent, resident memory, CPU time
// and start time, the way process exporters read them. Unreadable or gone
// (a process exiting while we look) is null, never an error.
import fs from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat's times, 100 on every Linux ABI Weft runs on (x86_64, aarch64). */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  pid: number;
  ppid: number;
  /** What `ps -o command` shows (Weft's process titles). */
  command: string;
  residentBytes: number;
  cpuSeconds: number;
  /** Seconds since the epoch. */
  startTimeSeconds: number;
}

let bootTime: number | undefined;

function bootTimeSeconds(): number {
  if (bootTime === undefined) {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    bootTime = m ? Number(m[1]) : 0;
  }
  return bootTime;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after "(comm)", which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function parentOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

export function readProcess(pid: number): ProcSample | null {
  const f = statFields(pid);
  const status = read(`/proc/${pid}/status`);
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (!f || status === null || cmdline === null) return null;
  // fields after comm: [0] state, [1] ppid, ..., [11] utime, [12] stime, [19] starttime
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return {
    pid,
    ppid: Number(f[1]),
    command: cmdline.replace(/\0+$/, '').split('\0').join(' '),
    residentBytes: rss ? Number(rss[1]) * 1024 : 0,
    cpuSeconds: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND,
    startTimeSeconds: bootTimeSeconds() + Number(f[19]) / TICKS_PER_SECOND,
  };
}

/** root and every process below it, as the host's /proc sees them (pid namespaces included). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
