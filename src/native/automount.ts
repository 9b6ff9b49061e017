// The mounts a rootfs needs so that the runtime works inside it (Unit's
// isolation.automount): the runtime's own directories read-only
// (language_deps), /proc (procfs) and a private /tmp (tmpfs).
import fs from 'node:fs';
import path from 'node:path';

import type { MountSpec } from './create-process.js';

export interface AutomountOptions {
  languageDeps?: boolean;
  procfs?: boolean;
  tmpfs?: boolean;
}

// What a dynamically linked node (or any program from the host) needs: the
// system dirs (mirrored as symlinks when the host has merged /usr), the
// dynamic loader's cache, and the device files programs expect.
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const SYSTEM_FILES = ['/etc/ld.so.cache'];
const DEVICES = ['/dev/null', '/dev/zero', '/dev/random', '/dev/urandom'];

function isUnder(p: string, dirs: string[]): boolean {
  return dirs.some((d) => p === d || p.startsWith(d + '/'));
}

export function languageDepMounts(execPath = process.execPath): MountSpec[] {
  const mounts: MountSpec[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      mounts.push({ type: 'symlink', source: fs.readlinkSync(dir), target: dir });
    } else if (st.isDirectory()) {
      mounts.push({ type: 'bind', source: dir, target: dir, readonly: true, flags: ['rec'] });
    }
  }
  // A runtime installed outside the system dirs (e.g. /opt/node/bin/node).
  const real = fs.realpathSync(execPath);
  const systemReal = SYSTEM_DIRS.filter((d) => fs.existsSync(d)).map((d) => fs.realpathSync(d));
  if (!isUnder(real, systemReal)) {
    const prefix = path.dirname(path.dirname(real));
    mounts.push({ type: 'bind', source: prefix, target: prefix, readonly: true, flags: ['rec'] });
  }
  for (const file of [...SYSTEM_FILES, ...DEVICES]) {
    if (fs.existsSync(file)) {
      mounts.push({ type: 'bind', source: file, target: file, file: true, readonly: !file.startsWith('/dev/') });
    }
  }
  return mounts;
}

export function automounts(o: AutomountOptions = {}): MountSpec[] {
  const mounts: MountSpec[] = [];
  if (o.languageDeps ?? true) mounts.push(...languageDepMounts());
  if (o.procfs ?? true) {
    mounts.push({ type: 'proc', source: 'proc', target: '/proc', flags: ['nosuid', 'nodev', 'noexec'] });
  }
  if (o.tmpfs ?? true) {
    mounts.push({ type: 'tmpfs', source: 'tmpfs', target: '/tmp', data: 'mode=1777', flags: ['nosuid', 'nodev'] });
  }
  return mounts;
}
