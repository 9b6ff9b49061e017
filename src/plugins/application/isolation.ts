// An application's "isolation" and credentials, turned into what the native
// layer takes to create its prototype: namespaces, uid/gid maps, a rootfs
// with its automounts (the runtime's own directories, Weft's installation
// so that its runtime loads inside, /proc, a private /tmp), no_new_privs,
// and the cgroups it joins before exec.
import path from 'node:path';

import type { Application } from '../../config/types.js';
import { automounts } from '../../native/index.js';
import type { CreateProcessOptions, IdMap, MountSpec, ResolvedCredentials } from '../../native/index.js';
import { packageRoot } from '../../paths.js';

export function isolationOptions(
  name: string,
  app: Application,
  creds: ResolvedCredentials,
  cgroupDirs: string[],
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
    if (auto.language_deps !== false) {
      // Weft's runtime is preloaded into the app: it must exist inside too.
      mounts.push({ type: 'bind', source: packageRoot, target: packageRoot, readonly: true, flags: ['rec'] });
    }
    out.rootfs = path.resolve(iso.rootfs);
    out.mounts = mounts;
  }
  if (cgroupDirs.length > 0) out.cgroups = cgroupDirs;
  return out;
}

