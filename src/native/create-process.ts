// Creating processes: the seed's nxt_process_create + change_root + apply_creds.
// Validates options before they cross into C++, and turns the native error
// (stage + errno) into a SpawnError.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { argumentError, isNativeError, SpawnError } from '../errors.js';
import { native } from './load.js';
import type { NativeChildHandle, NativeCreateOptions, NativeMount } from './native.js';

export type NamespaceName = 'user' | 'mount' | 'pid' | 'net' | 'uts' | 'ipc' | 'cgroup';
export const NAMESPACE_NAMES: readonly NamespaceName[] = ['user', 'mount', 'pid', 'net', 'uts', 'ipc', 'cgroup'];

export type RlimitName =
  | 'as'
  | 'core'
  | 'cpu'
  | 'data'
  | 'fsize'
  | 'locks'
  | 'memlock'
  | 'msgqueue'
  | 'nice'
  | 'nofile'
  | 'nproc'
  | 'rss'
  | 'rtprio'
  | 'rttime'
  | 'sigpending'
  | 'stack';
const RLIMIT_NAMES = new Set<string>([
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);

/** One line of a uid_map or gid_map: `size` ids from `host` appear as `container`. */
export interface IdMap {
  container: number;
  host: number;
  size: number;
}

export interface MountSpec {
  /** "bind", "symlink" (target becomes a link to source), or a filesystem type such as "proc". */
  type: string;
  /** Host path for a bind, link text for a symlink; defaults to the type for other mounts. */
  source?: string;
  /** Absolute path inside the rootfs. */
  target: string;
  readonly?: boolean;
  /** The bind source is a file: the target is created as an empty file. */
  file?: boolean;
  flags?: Array<'nosuid' | 'nodev' | 'noexec' | 'noatime' | 'rec' | 'ro'>;
  data?: string;
}

export interface Credentials {
  uid: number;
  gid: number;
  /** Supplementary groups; [] drops them all. */
  groups: number[];
}

export interface CreateProcessOptions {
  /** Program to exec; a bare name is searched in PATH (not with a rootfs). */
  file: string;
  /** argv; argv[0] defaults to `file`. */
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** fds[i] becomes fd i in the child; null leaves it closed. Default [0, 1, 2]. */
  fds?: Array<number | null>;
  namespaces?: Partial<Record<NamespaceName, boolean>>;
  uidMap?: IdMap[];
  gidMap?: IdMap[];
  setgroups?: 'deny' | 'allow';
  /** cgroup directories the child joins before exec (v2, or v1 hierarchies). */
  cgroups?: string[];
  hostname?: string;
  rootfs?: string;
  /** pivot_root (default when a mount namespace is on) or chroot. */
  pivotRoot?: boolean;
  mounts?: MountSpec[];
  rlimits?: Partial<Record<RlimitName, number | [number, number]>>;
  credentials?: Credentials;
  /** PR_SET_NO_NEW_PRIVS; on unless explicitly allowed. */
  noNewPrivs?: boolean;
  /** Signal the child gets when its parent dies; false for none. Default SIGKILL. */
  dieWithParent?: NodeJS.Signals | false;
  setsid?: boolean;
  umask?: number;
  /** How long the child may take to reach exec. */
  timeoutMs?: number;
}

export interface ExitStatus {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  /** Name of the signal that ended it, or null. */
  signal: NodeJS.Signals | null;
}

/** A live child process created by Weft. */
export class ChildProcessHandle {
  /** Resolves once, when the process has exited and been reaped. */
  readonly exited: Promise<ExitStatus>;
  #handle: NativeChildHandle | undefined;
  #status: ExitStatus | undefined;

  /** @internal */
  constructor(exited: Promise<ExitStatus>) {
    this.exited = exited.then((status) => {
      this.#status = status;
      return status;
    });
  }

  /** @internal */
  attach(handle: NativeChildHandle): void {
    this.#handle = handle;
  }

  get pid(): number {
    return this.#handle!.pid;
  }

  /** The exit status once known. */
  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Sends a signal through the pidfd (never hits a recycled pid); false once exited. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    const number = typeof signal === 'number' ? signal : os.constants.signals[signal];
    if (number === undefined) throw argumentError(`unknown signal "${String(signal)}"`);
    return this.#handle!.kill(number);
  }

  /** Keeps the event loop alive until exit (the default). */
  ref(): this {
    this.#handle!.ref();
    return this;
  }

  /** Lets the event loop end while this child still runs. */
  unref(): this {
    this.#handle!.unref();
    return this;
  }
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(os.constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

export function signalName(number: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(number) ?? null;
}

export function exitCallback(): { onExit: (code: number | null, signal: number | null) => void; exited: Promise<ExitStatus> } {
  let resolve!: (s: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((r) => (resolve = r));
  const onExit = (code: number | null, signal: number | null): void => {
    resolve({ code, signal: signal === null ? null : signalName(signal) });
  };
  return { onExit, exited };
}

function formatMap(name: string, map: IdMap[]): string {
  if (!Array.isArray(map) || map.length === 0) throw argumentError(`${name} must be a non-empty array`);
  return map
    .map((m, i) => {
      for (const key of ['container', 'host', 'size'] as const) {
        const v = m[key];
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
          throw argumentError(`${name}[${i}].${key} must be an integer from 0 to 4294967295`);
        }
      }
      if (m.size < 1) throw argumentError(`${name}[${i}].size must be at least 1`);
      return `${m.container} ${m.host} ${m.size}\n`;
    })
    .join('');
}

/** Resolves a bare program name against PATH, as execvp would. */
export function resolveProgram(file: string, env: Record<string, string | undefined>): string {
  if (file.includes('/')) return file;
  const search = (env.PATH ?? process.env.PATH ?? '/usr/bin:/bin').split(':');
  for (const dir of search) {
    const candidate = path.join(dir || '.', file);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // keep looking
    }
  }
  return file; // exec reports ENOENT, at stage "exec"
}

function checkId(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xfffffffe) {
    throw argumentError(`${name} must be an integer from 0 to 4294967294`);
  }
  return v as number;
}

/** Checks options and builds what the native call takes. */
export function toNativeOptions(o: CreateProcessOptions): NativeCreateOptions {
  if (typeof o.file !== 'string' || o.file === '') throw argumentError('file must be a non-empty string');
  const env = o.env ?? (process.env as Record<string, string | undefined>);
  const envList: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.includes('=') || k.includes('\0') || String(v).includes('\0')) {
      throw argumentError(`env.${k}: names may not hold "=" and values may not hold NUL`);
    }
    envList.push(`${k}=${v}`);
  }
  const file = o.rootfs ? o.file : resolveProgram(o.file, env);
  const args = o.args ?? [o.file];
  for (const a of args) {
    if (typeof a !== 'string' || a.includes('\0')) throw argumentError('args must be strings without NUL');
  }
  const fds = o.fds ?? [0, 1, 2];
  if (fds.length > 256) throw argumentError('at most 256 fds can be mapped');
  fds.forEach((fd, i) => {
    if (fd !== null && (!Number.isInteger(fd) || fd < 0)) throw argumentError(`fds[${i}] must be an fd number or null`);
  });

  const out: NativeCreateOptions = { file, args, env: envList, fds };
  const ns = o.namespaces ?? {};
  for (const key of Object.keys(ns)) {
    if (!NAMESPACE_NAMES.includes(key as NamespaceName)) {
      throw argumentError(`unknown namespace "${key}" (known: ${NAMESPACE_NAMES.join(', ')})`);
    }
  }
  out.namespaces = { ...ns };
  if (o.uidMap || o.gidMap) {
    if (!ns.user) throw argumentError('uidMap and gidMap need the user namespace');
    if (o.uidMap) out.uidMap = formatMap('uidMap', o.uidMap);
    if (o.gidMap) out.gidMap = formatMap('gidMap', o.gidMap);
  }
  if (o.setgroups !== undefined) {
    if (o.setgroups !== 'deny' && o.setgroups !== 'allow') throw argumentError('setgroups must be "deny" or "allow"');
    out.setgroups = o.setgroups;
  }
  if (o.cgroups !== undefined) {
    o.cgroups.forEach((dir, i) => {
      if (!path.isAbsolute(dir)) throw argumentError(`cgroups[${i}] must be an absolute path`);
    });
    out.cgroups = [...o.cgroups];
  }
  if (o.hostname !== undefined) {
    if (!ns.uts) throw argumentError('hostname needs the uts namespace');
    if (o.hostname.length === 0 || o.hostname.length > 64) throw argumentError('hostname must be 1 to 64 bytes');
    out.hostname = o.hostname;
  }
  if (o.rootfs !== undefined) {
    if (!path.isAbsolute(o.rootfs)) throw argumentError('rootfs must be an absolute path');
    out.rootfs = o.rootfs.replace(/\/+$/, '') || '/';
    out.pivotRoot = o.pivotRoot ?? Boolean(ns.mount);
    if (out.pivotRoot && !ns.mount) throw argumentError('pivotRoot needs the mount namespace');
  }
  if (o.mounts && o.mounts.length > 0) {
    if (!o.rootfs) throw argumentError('mounts need a rootfs');
    // Mounting without a namespace of our own would change the host's mounts.
    if (!ns.mount) throw argumentError('mounts need the mount namespace');
    out.mounts = o.mounts.map((m, i): NativeMount => {
      if (typeof m.type !== 'string' || m.type === '') throw argumentError(`mounts[${i}].type must be a string`);
      if (typeof m.target !== 'string' || !path.isAbsolute(m.target)) {
        throw argumentError(`mounts[${i}].target must be an absolute path inside the rootfs`);
      }
      if (path.normalize(m.target).split('/').includes('..')) {
        throw argumentError(`mounts[${i}].target may not leave the rootfs`);
      }
      if (m.type === 'bind' && (typeof m.source !== 'string' || !path.isAbsolute(m.source))) {
        throw argumentError(`mounts[${i}].source must be an absolute path for a bind`);
      }
      if (m.type === 'symlink' && (typeof m.source !== 'string' || m.source === '')) {
        throw argumentError(`mounts[${i}].source must be the link text for a symlink`);
      }
      return { ...m, target: path.normalize(m.target) };
    });
  }
  if (o.cwd !== undefined) {
    if (typeof o.cwd !== 'string' || o.cwd === '') throw argumentError('cwd must be a non-empty string');
    out.cwd = o.cwd;
  }
  if (o.rlimits) {
    out.rlimits = {};
    for (const [name, value] of Object.entries(o.rlimits)) {
      if (!RLIMIT_NAMES.has(name)) throw argumentError(`unknown rlimit "${name}"`);
      const pair = Array.isArray(value) ? value : [value, value];
      if (pair.length !== 2 || !pair.every((v) => v === -1 || (Number.isInteger(v) && v >= 0))) {
        throw argumentError(`rlimits.${name} must be a number or [soft, hard] (-1 is unlimited)`);
      }
      out.rlimits[name] = pair as [number, number];
    }
  }
  if (o.credentials) {
    out.uid = checkId('credentials.uid', o.credentials.uid);
    out.gid = checkId('credentials.gid', o.credentials.gid);
    out.groups = (o.credentials.groups ?? []).map((g, i) => checkId(`credentials.groups[${i}]`, g));
  }
  out.noNewPrivs = o.noNewPrivs ?? true;
  const death = o.dieWithParent ?? 'SIGKILL';
  if (death !== false) {
    const number = os.constants.signals[death];
    if (number === undefined) throw argumentError(`dieWithParent: unknown signal "${death}"`);
    out.pdeathsig = number;
  }
  if (o.setsid) out.setsid = true;
  if (o.umask !== undefined) {
    if (!Number.isInteger(o.umask) || o.umask < 0 || o.umask > 0o777) throw argumentError('umask must be 0 to 0o777');
    out.umask = o.umask;
  }
  if (o.timeoutMs !== undefined) {
    if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1) throw argumentError('timeoutMs must be a positive integer');
    out.timeoutMs = o.timeoutMs;
  }
  return out;
}

function stageMessage(e: { stage?: string; message: string }): string {
  return `creating a process failed at stage "${e.stage ?? 'unknown'}": ${e.message}`;
}

/**
 * Creates a process. Resolves once the child has exec'd; rejects with a
 * SpawnError naming the stage that failed (the child is then already reaped).
 */
export async function createProcess(options: CreateProcessOptions): Promise<ChildProcessHandle> {
  const nativeOptions = toNativeOptions(options);
  const { onExit, exited } = exitCallback();
  const child = new ChildProcessHandle(exited);
  try {
    child.attach(await native.createProcess(nativeOptions, onExit));
  } catch (e) {
    if (isNativeError(e) && e.stage) {
      throw new SpawnError(
        stageMessage(e),
        { stage: e.stage, syscall: e.syscall!, errno: e.errno ?? 0, errnoName: e.errnoName ?? 'UNKNOWN' },
        { cause: e },
      );
    }
    throw e;
  }
  return child;
}
