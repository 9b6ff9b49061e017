// CPU time a process tree used (user + system, from /proc), for CPU per
// request: measured around a run, divided by the requests it completed.
import fs from 'node:fs';
import os from 'node:os';

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** Children of every thread of the process (Weft's addon starts processes from a pool thread). */
function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function cpuOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 (1-based); here after "pid (comm) ": 12 and 13.
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** Microseconds of CPU the process and all its descendants have used so far (those alive now). */
export function treeCpuUs(pid: number): number {
  let total = cpuOf(pid);
  for (const c of children(pid)) total += treeCpuUs(c);
  return total;
}

export const CORES = os.availableParallelism();
