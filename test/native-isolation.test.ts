// Isolation seen from inside real children: namespaces, maps, rootfs.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { SpawnError } from '../src/errors.js';
import { automounts, createProcess } from '../src/native/index.js';
import type { CreateProcessOptions } from '../src/native/index.js';
import { capture, sh } from './helpers/capture.js';
import { probe, when } from './helpers/features.js';
import { tempDir } from './helpers/tmp.js';

const withNamespaces = when(test, probe('namespaces'));

const ALL = { user: true, mount: true, pid: true, net: true, uts: true, ipc: true, cgroup: true };
const uid = process.getuid!();
const gid = process.getgid!();
// The test's own user becomes root inside, as in a rootless container.
const selfAsRoot: Partial<CreateProcessOptions> = {
  namespaces: ALL,
  uidMap: [{ container: 0, host: uid, size: 1 }],
  gidMap: [{ container: 0, host: gid, size: 1 }],
  credentials: { uid: 0, gid: 0, groups: [] },
};

withNamespaces('in a new pid namespace the child is pid 1', async (t) => {
  const r = await sh('echo $$', selfAsRoot);
  t.is(r.stdout, '1\n');
  t.not(r.pid, 1, 'the parent sees the global pid');
});

withNamespaces('uid and gid are mapped as requested', async (t) => {
  // Host nobody (65534) appears as 1000 inside.
  const r = await sh('id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; cat /proc/self/setgroups', {
    namespaces: { user: true },
    uidMap: [{ container: 1000, host: 65534, size: 1 }],
    gidMap: [{ container: 1000, host: 65534, size: 1 }],
    credentials: { uid: 1000, gid: 1000, groups: [] },
  });
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '));
  t.deepEqual(lines, ['1000', '1000', '1000 65534 1', '1000 65534 1', 'deny']);
});

withNamespaces('the parent sees the mapped host uid', async (t) => {
  const child = await createProcess({
    file: '/bin/sleep',
    args: ['sleep', '30'],
    namespaces: { user: true },
    uidMap: [{ container: 0, host: 65534, size: 1 }],
    gidMap: [{ container: 0, host: 65534, size: 1 }],
    credentials: { uid: 0, gid: 0, groups: [] },
  });
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    t.regex(status, /^Uid:\t65534\t65534\t65534\t65534$/m);
  } finally {
    child.kill('SIGKILL');
    await child.exited;
  }
});

withNamespaces('hostname is set in the uts namespace', async (t) => {
  const r = await sh('hostname', { ...selfAsRoot, hostname: 'weft-box' });
  t.is(r.stdout, 'weft-box\n');
});

withNamespaces('a network namespace holds only lo', async (t) => {
  // /proc/net follows the reading process's network namespace.
  const r = await sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", selfAsRoot);
  t.is(r.stdout, 'lo\n');
});

withNamespaces('rootfs: / is the rootfs, host-only files are absent, /proc is private, /tmp is fresh', async (t) => {
  const root = tempDir(t, 'weft-rootfs-');
  const hostDir = tempDir(t, 'weft-host-');
  fs.writeFileSync(path.join(hostDir, 'host-only'), 'secret');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'marker'), 'inside');
  const r = await sh(
    [
      'cat /etc/marker; echo',
      `test -e ${path.join(hostDir, 'host-only')} && echo host-visible || echo host-hidden`,
      'ls /proc | grep -E "^[0-9]+$" | tr "\\n" " "; echo',
      'readlink /proc/1/exe',
      'ls -A /tmp | wc -l',
      'touch /usr/x 2>&1 | grep -c "Read-only"',
      'grep NoNewPrivs /proc/self/status',
    ].join('; '),
    { ...selfAsRoot, rootfs: root, mounts: automounts() },
  );
  const [marker, host, pids, exe, tmpCount, readOnly, nnp] = r.stdout.trim().split('\n');
  t.is(marker, 'inside');
  t.is(host, 'host-hidden');
  // Only this namespace's processes: sh (pid 1) and the ls/grep pipeline.
  t.true(
    pids
      .trim()
      .split(' ')
      .every((p) => Number(p) < 20),
    `pids seen: ${pids}`,
  );
  t.is(exe, '/usr/bin/dash');
  t.is(tmpCount.trim(), '0');
  t.is(readOnly, '1', 'runtime dirs are mounted read-only');
  t.regex(nnp, /NoNewPrivs:\s+1/);
});

withNamespaces('node runs inside a rootfs with the automounts', async (t) => {
  const root = tempDir(t, 'weft-rootfs-');
  const r = await capture({
    file: process.execPath,
    args: ['node', '-e', 'console.log(process.pid, require("fs").readdirSync("/").sort().join(","))'],
    env: { PATH: '/usr/bin:/bin' },
    ...selfAsRoot,
    rootfs: root,
    mounts: automounts(),
  });
  t.is(r.stderr, '');
  t.regex(r.stdout, /^1 .*proc.*tmp.*usr/);
});

withNamespaces('chroot instead of pivot_root when asked', async (t) => {
  const root = tempDir(t, 'weft-rootfs-');
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc', 'marker'), 'chrooted');
  const r = await sh('cat /etc/marker; echo; ls / | tr "\\n" " "', {
    ...selfAsRoot,
    rootfs: root,
    pivotRoot: false,
    mounts: automounts({ procfs: false, tmpfs: false }),
  });
  t.is(r.stdout.split('\n')[0], 'chrooted');
  t.notRegex(r.stdout, /\bwork\b|\bhome\b/);
});

withNamespaces('without a mount namespace the rootfs is entered with chroot', async (t) => {
  // Nothing can be mounted without a mount namespace of our own, so the
  // empty rootfs holds no shell: exec fails there, proving the root changed.
  const root = tempDir(t, 'weft-rootfs-');
  const e = await t.throwsAsync(createProcess({ file: '/bin/sh', args: ['sh', '-c', 'true'], rootfs: root, namespaces: { pid: true } }), {
    instanceOf: SpawnError,
  });
  t.is(e!.stage, 'exec');
  t.is(e!.errnoName, 'ENOENT');
});

withNamespaces('a missing rootfs fails at stage "rootfs"', async (t) => {
  const e = await t.throwsAsync(createProcess({ file: '/bin/true', ...selfAsRoot, rootfs: '/nonexistent-rootfs' }), {
    instanceOf: SpawnError,
  });
  t.is(e!.stage, 'rootfs');
  t.is(e!.errnoName, 'ENOENT');
  t.regex(e!.message, /nonexistent-rootfs/);
});

withNamespaces('a uid map that does not cover the user fails at stage "setuid"', async (t) => {
  const e = await t.throwsAsync(
    createProcess({
      file: '/bin/true',
      namespaces: { user: true },
      uidMap: [{ container: 0, host: uid, size: 1 }],
      gidMap: [{ container: 0, host: gid, size: 1 }],
      credentials: { uid: 1000, gid: 0, groups: [] },
    }),
    { instanceOf: SpawnError },
  );
  t.is(e!.stage, 'setuid');
  t.is(e!.errnoName, 'EINVAL');
  t.regex(e!.message, /uid 1000/);
});

withNamespaces('a bad uid map fails at stage "uid_map"', async (t) => {
  // Two lines mapping the same container id: the kernel refuses the map.
  const e = await t.throwsAsync(
    createProcess({
      file: '/bin/true',
      namespaces: { user: true },
      uidMap: [
        { container: 0, host: uid, size: 1 },
        { container: 0, host: 65534, size: 1 },
      ],
    }),
    { instanceOf: SpawnError },
  );
  t.is(e!.stage, 'uid_map');
  t.is(e!.errnoName, 'EINVAL');
});

withNamespaces('a failing mount names its target', async (t) => {
  const root = tempDir(t, 'weft-rootfs-');
  const e = await t.throwsAsync(
    createProcess({
      file: '/bin/true',
      ...selfAsRoot,
      rootfs: root,
      mounts: [{ type: 'bind', source: '/nonexistent-source', target: '/data' }],
    }),
    { instanceOf: SpawnError },
  );
  t.is(e!.stage, 'mount');
  t.is(e!.errnoName, 'ENOENT');
  t.regex(e!.message, /\/data/);
});
