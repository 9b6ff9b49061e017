// An application's "isolation" and credentials, turned into what the native
// layer takes to create its prototype: namespaces, uid/gid maps, a rootfs
// with its automounts (the runtime's own directories, Weft's installation
// so that its runtime loads inside, /proc, a private /tmp), no_new_privs,
// and the cgroups it joins before exec.
import path from 'node:path';

import type { Application } from '../config/types.js';
import { automounts } from '../native/index.js';
import type { CreateProcessOptions, IdMap, MountSpec, ResolvedCredentials } from '../native/index.js';
import { packageRoot } from '../paths.js';

/**
 * Where Weft's own installation (and a --modulesdir) appear inside an
 * application's rootfs: fixed places, so that an installation under /tmp
 * (which the rootfs gets a fresh tmpfs on) or anywhere else is reachable.
 */
export const INSTALL_IN_ROOT = '/.weft';
export const MODULES_IN_ROOT = '/.weft-modules';

/** A host path of Weft's files as the processes inside the rootfs see it. */
export function insidePath(hostPath: string, modulesDir: string | undefined): string {
  const under = (dir: string): boolean => hostPath === dir || hostPath.startsWith(`${dir}/`);
  if (under(packageRoot)) return INSTALL_IN_ROOT + hostPath.slice(packageRoot.length);
  if (modulesDir && under(modulesDir)) return MODULES_IN_ROOT + hostPath.slice(modulesDir.length);
  return hostPath;
}

export function isolationOptions(
  name: string,
  app: Application,
  creds: ResolvedCredentials,
  cgroupDirs: string[],
  modulesDir?: string,
  moduleDeps: string[] = [],
): Partial<CreateProcessOptions> {
  const iso = app.isolation ?? {};
  const ns = iso.namespaces ?? {};
  const userNs = ns.credential === true;
  const out: Partial<CreateProcessOptions> = {
    namespaces: {
      user: userNs,
      pid: ns.pid === true,
      net: ns.network === true,
      mount: ns.mount === true,
      uts: ns.uname === true,
      cgroup: ns.cgroup === true,
    },
    noNewPrivs: iso.new_privs !== true,
    // Inside a user namespace ids are the container's; Unit's default map
    // is the app's own user and group, as themselves.
    credentials: { uid: creds.uid, gid: creds.gid, groups: userNs ? [] : creds.groups },
  };
  // A UTS namespace of its own shows the application's name as the hostname.
  if (ns.uname === true) out.hostname = name.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'app';
  if (userNs) {
    const identity = (id: number): IdMap[] => [{ container: id, host: id, size: 1 }];
    out.uidMap = (iso.uidmap as IdMap[] | undefined) ?? identity(creds.uid);
    out.gidMap = (iso.gidmap as IdMap[] | undefined) ?? identity(creds.gid);
  }
  if (iso.rootfs) {
    const auto = iso.automount ?? {};
    const mounts: MountSpec[] = automounts({ languageDeps: auto.language_deps, procfs: auto.procfs, tmpfs: auto.tmpfs });
    // What the app's module needs beyond the system dirs (an interpreter under /opt, say).
    if (auto.language_deps !== false) {
      for (const dir of moduleDeps) mounts.push({ type: 'bind', source: dir, target: dir, readonly: true, flags: ['rec'] });
    }
    // Weft's runtime runs the prototype and is preloaded into the app: it
    // must exist inside, whatever language_deps says.
    mounts.push({ type: 'bind', source: packageRoot, target: INSTALL_IN_ROOT, readonly: true, flags: ['rec'] });
    if (modulesDir)
      mounts.push({ type: 'bind', source: path.resolve(modulesDir), target: MODULES_IN_ROOT, readonly: true, flags: ['rec'] });
    out.rootfs = path.resolve(iso.rootfs);
    out.mounts = mounts;
  }
  if (cgroupDirs.length > 0) out.cgroups = cgroupDirs;
  return out;
}
