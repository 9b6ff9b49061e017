// Per-application cgroups (isolation.cgroup): a directory per application
// generation that its processes join before they exec, and, beyond Unit,
// memory and pids limits (isolation.cgroup.limits) so that one app cannot
// take the machine down: over its memory limit, the kernel kills the worker
// inside its cgroup and Weft replaces it. cgroup v2 when its controllers
// are there; otherwise the v1 memory and pids hierarchies (as on hosts with
// a hybrid setup).
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, WeftError } from '../errors.js';

export interface CgroupLimits {
  /** Bytes. */
  memory?: number;
  /** Processes and threads. */
  pids?: number;
}

export interface AppCgroup {
  /** Directories a new process must join (its pid written to cgroup.procs). */
  joinDirs: string[];
  /** Removes the directories (once every process has left). */
  remove(): void;
}

const ROOT = '/sys/fs/cgroup';

function readControllers(dir: string): string[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The v2 mount point: /sys/fs/cgroup itself, or the "unified" mount of a hybrid host. */
function v2Root(): string | null {
  for (const dir of [ROOT, path.join(ROOT, 'unified')]) {
    if (fs.existsSync(path.join(dir, 'cgroup.controllers'))) return dir;
  }
  return null;
}

function v1Root(controller: string): string | null {
  const dir = path.join(ROOT, controller);
  return fs.existsSync(path.join(dir, 'cgroup.procs')) && !fs.existsSync(path.join(dir, 'cgroup.controllers')) ? dir : null;
}

export interface CgroupSupport {
  v2: string | null;
  memory: 'v2' | 'v1' | null;
  pids: 'v2' | 'v1' | null;
}

export function cgroupSupport(): CgroupSupport {
  const v2 = v2Root();
  const v2Controllers = v2 ? readControllers(v2) : [];
  return {
    v2,
    memory: v2Controllers.includes('memory') ? 'v2' : v1Root('memory') ? 'v1' : null,
    pids: v2Controllers.includes('pids') ? 'v2' : v1Root('pids') ? 'v1' : null,
  };
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

/**
 * Creates the cgroup of an application generation. `relative` is the
 * configured isolation.cgroup.path (or Weft's default "weft/<app>"), made
 * unique per generation. Throws with the errno when the kernel refuses.
 */
export function createAppCgroup(relative: string, limits: CgroupLimits): AppCgroup {
  const support = cgroupSupport();
  const clean = relative.replace(/^\/+/, '');
  const dirs: string[] = [];
  const made: string[] = [];
  const ensure = (dir: string): string => {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.push(dir);
    }
    return dir;
  };
  try {
    if (support.v2) {
      const dir = ensure(path.join(support.v2, clean));
      // Controllers must be enabled in every parent's subtree_control.
      const wanted = [
        support.memory === 'v2' && limits.memory !== undefined ? 'memory' : null,
        support.pids === 'v2' && limits.pids !== undefined ? 'pids' : null,
      ].filter(Boolean) as string[];
      if (wanted.length > 0) {
        let parent = support.v2;
        for (const part of clean.split('/')) {
          write(path.join(parent, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
          parent = path.join(parent, part);
        }
      }
      if (limits.memory !== undefined && support.memory === 'v2') {
        write(path.join(dir, 'memory.max'), String(limits.memory));
        write(path.join(dir, 'memory.swap.max'), '0');
      }
      if (limits.pids !== undefined && support.pids === 'v2') write(path.join(dir, 'pids.max'), String(limits.pids));
      dirs.push(dir);
    }
    if (limits.memory !== undefined && support.memory === 'v1') {
      const dir = ensure(path.join(ROOT, 'memory', clean));
      write(path.join(dir, 'memory.limit_in_bytes'), String(limits.memory));
      try {
        write(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memory));
      } catch {
        // no swap accounting: the memory limit alone
      }
      dirs.push(dir);
    }
    if (limits.pids !== undefined && support.pids === 'v1') {
      const dir = ensure(path.join(ROOT, 'pids', clean));
      write(path.join(dir, 'pids.max'), String(limits.pids));
      dirs.push(dir);
    }
    if ((limits.memory !== undefined && !support.memory) || (limits.pids !== undefined && !support.pids)) {
      throw new WeftError(
        ErrorCodes.CGROUP_UNSUPPORTED,
        `this host has no cgroup ${!support.memory && limits.memory !== undefined ? 'memory' : 'pids'} controller to limit an application with`,
      );
    }
  } catch (e) {
    for (const dir of made.reverse()) fs.rmSync(dir, { recursive: false, force: true });
    throw e;
  }
  return {
    joinDirs: dirs,
    remove: () => {
      for (const dir of [...dirs].reverse()) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // still in use, or already gone
        }
      }
    },
  };
}
