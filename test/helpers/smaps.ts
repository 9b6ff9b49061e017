// What a process holds of malloc's main arena: the resident part of [heap]
// in /proc/<pid>/smaps. Native memory (the addon's, Node's) that a heap
// snapshot does not show; a leak there grows it. V8's own heap is in
// anonymous mappings, not here.
import fs from 'node:fs';

/** Rss of the [heap] mapping in KiB; 0 when the process is gone or has none. */
export function mallocKiB(pid: number): number {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return 0;
  }
  const m = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(text);
  return m ? Number(m[1]) : 0;
}
