// The pid file: written before the control socket exists (tools wait for the
// socket and then read the pid), removed on exit.
import fs from 'node:fs';
import path from 'node:path';

export function writePidFile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

export function removePidFile(file: string, pid: number): void {
  try {
    // Only our own: another weftd may have taken the path since.
    if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}
