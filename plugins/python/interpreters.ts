// The Python interpreters a python module can run: /usr/bin/python3*,
// `python3` on PATH (a pyenv shim resolves to the real one), each asked for
// its version by running it. One module per interpreter (Unit's
// `module: python 3.11.2 "<file>"` line per interpreter found); the same
// binary reached by several names counts once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Interpreter {
  /** The real executable (what sys.executable says). */
  executable: string;
  /** "3.11.2" */
  version: string;
  /** sys.base_prefix: where its standard library lives. */
  prefix: string;
}

/** Oldest Python the runtime supports (threading.get_native_id, asyncio's API). */
const MIN_VERSION = [3, 8];
const PROBE = 'import sys, json; print(json.dumps([sys.version.split()[0], sys.executable, sys.base_prefix]))';
const PROBE_TIMEOUT_MS = 5000;

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function candidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync('/usr/bin');
  } catch {
    // no /usr/bin: only PATH then
  }
  for (const name of names.sort()) if (/^python3(\.\d+)?$/.test(name)) out.push(path.join('/usr/bin', name));
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir) out.push(path.join(dir, 'python3'));
  }
  return out.filter(executable);
}

/** Runs one interpreter to learn what it is; null when it does not answer as a usable Python 3 does. */
export function probe(file: string): Interpreter | null {
  let out: string;
  try {
    out = execFileSync(file, ['-c', PROBE], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  try {
    const [version, exe, prefix] = JSON.parse(out) as [string, string, string];
    const [major, minor] = version.split('.').map(Number);
    if (major !== MIN_VERSION[0] || minor < MIN_VERSION[1] || !exe) return null;
    return { version, executable: fs.realpathSync(exe), prefix };
  } catch {
    return null;
  }
}

/** Keeps what running an interpreter told across starts (DiscoveryContext.cached). */
export type ProbeCache = <T>(key: string, find: () => T) => T;

/**
 * `probe(file)`, from the cache when the same binary (path, size, mtime)
 * answered before. Only an interpreter that is its own sys.executable is
 * kept: a wrapper (a pyenv shim, a script) may answer differently tomorrow
 * with no change to itself.
 */
function cachedProbe(file: string, real: string, cache: ProbeCache | undefined): Interpreter | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch {
    return null;
  }
  if (!cache) return probe(file);
  const key = `python-probe ${real} ${st.size} ${st.mtimeMs}`;
  const asked = { now: false };
  const answer = cache(key, () => ((asked.now = true), probe(file)));
  if (asked.now) return answer;
  // A kept answer counts only from the interpreter itself; anything else is asked again.
  return answer !== null && answer.executable === real ? answer : probe(file);
}

export function findInterpreters(env: NodeJS.ProcessEnv = process.env, cache?: ProbeCache): Interpreter[] {
  const seen = new Set<string>();
  const found: Interpreter[] = [];
  for (const file of candidates(env)) {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const it = cachedProbe(file, real, cache);
    if (it && !found.some((f) => f.executable === it.executable)) {
      seen.add(it.executable);
      found.push(it);
    }
  }
  return found;
}

const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** What an app in a rootfs needs bound besides the system dirs (language_deps binds those). */
export function depsOf(it: Interpreter): string[] {
  const under = (p: string): boolean => SYSTEM_DIRS.some((d) => p === d || p.startsWith(`${d}/`));
  const dirs = new Set<string>();
  for (const p of [it.prefix, path.dirname(path.dirname(it.executable))]) {
    let real = p;
    try {
      real = fs.realpathSync(p);
    } catch {
      continue;
    }
    // "/" would be the whole host: a prefix that short is not a dependency to bind.
    if (real !== '/' && !under(real)) dirs.add(real);
  }
  return [...dirs];
}
