// Isolation settings that can never start, rejected when the configuration
// is changed rather than when the application first starts. Unit checks the
// first group only as a process starts (nxt_isolation.c, nxt_clone.c), with
// these words; the second group is Weft's own (Beyond Unit, 10):
//
// Unit's start-up checks, moved to validation:
// - rootfs-absolute:      "rootfs" is an absolute path other than "/";
// - maps-need-credential: "uidmap"/"gidmap" only with a "credential" namespace;
// - uid-mapped:           with a "uidmap", the app's user is inside a "container" range;
// - gid-mapped:           with a "gidmap", the app's group is inside a "container" range.
// Weft's rules:
// - maps-do-not-overlap:  the kernel refuses a map whose ranges overlap;
// - automount-needs-mount-namespace: mounts inside "rootfs" (every automount
//   is on by default) are made in a "mount" namespace only;
// - procfs-needs-pid-namespace: a user namespace may mount procfs only for
//   a PID namespace it owns, so "procfs" with "credential" needs "pid".
import type { ValidationContext } from '../context.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Problem } from '../problem.js';
import type { Application, IdMapping, Isolation } from '../types.js';
import type { Check } from './check.js';
import { applications } from './walk.js';

interface Subject {
  app: Application;
  isolation: Isolation;
  /** Pointer of the "isolation" object. */
  path: string;
  context: ValidationContext;
}

interface IsolationRule {
  name: string;
  check(subject: Subject): Problem | null;
}

const at = (path: string, ...members: string[]) => members.reduce(childPointer, path);

const MAPS = ['uidmap', 'gidmap'] as const;

function overlap(a: IdMapping, b: IdMapping, key: 'container' | 'host'): boolean {
  return a[key] < b[key] + b.size && b[key] < a[key] + a.size;
}

function covers(map: IdMapping[], id: number): boolean {
  return map.some((m) => id >= m.container && id < m.container + m.size);
}

function userOf({ app, context }: Subject): { name: string; uid: number; gid: number } | null {
  const name = app.user ?? context.defaultUser;
  if (name === undefined || !context.lookupUser) return null;
  const user = context.lookupUser(name);
  return user ? { name, ...user } : null;
}

function groupIdOf(subject: Subject): number | null {
  const { app, context } = subject;
  if (app.group !== undefined) return context.lookupGroup?.(app.group)?.gid ?? null;
  return userOf(subject)?.gid ?? null;
}

/** The automounts that are on: each defaults to true. */
function automounts(isolation: Isolation): string[] {
  const options = isolation.automount ?? {};
  return (['language_deps', 'tmpfs', 'procfs'] as const).filter((name) => options[name] !== false);
}

export const ISOLATION_RULES: readonly IsolationRule[] = [
  {
    name: 'rootfs-absolute',
    check: ({ isolation, path }) => {
      const rootfs = isolation.rootfs;
      if (rootfs === undefined || (rootfs.length > 1 && rootfs.startsWith('/'))) return null;
      return problem(`rootfs requires an absolute path other than "/" but given "${rootfs}"`, at(path, 'rootfs'));
    },
  },
  {
    name: 'maps-need-credential',
    check: ({ isolation, path }) => {
      if (isolation.namespaces?.credential === true) return null;
      for (const map of MAPS) {
        if ((isolation[map]?.length ?? 0) > 0) {
          return problem(`"${map}" is set but "isolation.namespaces.credential" is false or unset`, at(path, map));
        }
      }
      return null;
    },
  },
  {
    name: 'maps-do-not-overlap',
    check: ({ isolation, path }) => {
      for (const map of MAPS) {
        const entries = isolation[map] ?? [];
        for (let j = 1; j < entries.length; j++) {
          for (let i = 0; i < j; i++) {
            for (const key of ['container', 'host'] as const) {
              if (overlap(entries[i], entries[j], key)) {
                return problem(
                  `The "${map}" entries ${i} and ${j} have overlapping "${key}" ranges; the kernel refuses such a map.`,
                  at(path, map, String(j)),
                );
              }
            }
          }
        }
      }
      return null;
    },
  },
  {
    name: 'uid-mapped',
    check: (subject) => {
      const map = subject.isolation.uidmap ?? [];
      const user = userOf(subject);
      if (map.length === 0 || user === null || covers(map, user.uid)) return null;
      return problem(`"uidmap" field has no "container" entry for user "${user.name}" (uid ${user.uid})`, at(subject.path, 'uidmap'));
    },
  },
  {
    name: 'gid-mapped',
    check: (subject) => {
      const map = subject.isolation.gidmap ?? [];
      const gid = groupIdOf(subject);
      if (map.length === 0 || gid === null || covers(map, gid)) return null;
      return problem(`"gidmap" field has no "container" entry for gid ${gid}.`, at(subject.path, 'gidmap'));
    },
  },
  {
    name: 'automount-needs-mount-namespace',
    check: ({ isolation, path }) => {
      const mounts = automounts(isolation);
      if (isolation.rootfs === undefined || mounts.length === 0 || isolation.namespaces?.mount === true) return null;
      const list = mounts.map((m) => `"${m}"`).join(', ');
      return problem(
        `The "rootfs" automounts (${list}) need a "mount" namespace: set "isolation.namespaces.mount" to true, or turn these "isolation.automount" options off.`,
        at(path, 'namespaces', 'mount'),
      );
    },
  },
  {
    name: 'procfs-needs-pid-namespace',
    check: ({ isolation, path }) => {
      const namespaces = isolation.namespaces ?? {};
      if (isolation.rootfs === undefined || !automounts(isolation).includes('procfs')) return null;
      if (namespaces.credential !== true || namespaces.pid === true) return null;
      return problem(
        'Mounting "procfs" in a "credential" namespace needs a "pid" namespace: set "isolation.namespaces.pid" to true, or "isolation.automount.procfs" to false.',
        at(path, 'namespaces', 'pid'),
      );
    },
  },
];

export const checkIsolation: Check = (config, context) => {
  for (const { value: app, path } of applications(config)) {
    if (!app.isolation) continue;
    const subject = { app, isolation: app.isolation, path: childPointer(path, 'isolation'), context };
    for (const rule of ISOLATION_RULES) {
      const found = rule.check(subject);
      if (found) return found;
    }
  }
  return null;
};
