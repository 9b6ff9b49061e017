// The pid the rest of the machine knows for a process its prototype
// started: inside the prototype's pid namespace it has another pid. /proc
// (main's view) names both in "NSpid"; its parent is the prototype.
import fs from 'node:fs';

function status(pid: number | string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

export function globalPid(prototypePid: number, localPid: number): number | undefined {
  const parent = new RegExp(`^PPid:\\s+${prototypePid}$`, 'm');
  const direct = status(localPid);
  if (direct && parent.test(direct)) return localPid;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = status(name);
    if (!text || !parent.test(text)) continue;
    const nspid = /^NSpid:\s+(.+)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
    if (nspid && nspid[nspid.length - 1] === localPid) return nspid[0];
  }
  return undefined;
}
