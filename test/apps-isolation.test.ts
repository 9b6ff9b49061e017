// Isolation from the config, probed from inside a running app over HTTP:
// namespaces, uid mapping, rootfs, no_new_privs, hostname, cgroup limits.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { cgroupSupport } from '../src/isolation/app-cgroups.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { probe, when } from './helpers/features.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { scaled } from './helpers/machine.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const withNamespaces = when(test, probe('namespaces'));
const support = cgroupSupport();
const withMemoryCgroup = when(
  test,
  support.memory ? { ok: true, reason: '' } : { ok: false, reason: 'no cgroup memory controller (v2 or v1) on this host' },
);

async function probeApp(t: Parameters<typeof startWithConfig>[0], app: Record<string, unknown>): Promise<Record<string, unknown>> {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/probe' } },
    applications: { probe: { type: 'node', processes: 1, ...app } },
  });
  const r = await request({ port }, '/');
  t.is(r.status, 200, r.text);
  return JSON.parse(r.text);
}

test('without isolation: the app runs as --user with no_new_privs', async (t) => {
  const seen = await probeApp(t, { script: path.join(apps, 'probe.js') });
  t.is(seen.uid, 65534);
  t.is(seen.noNewPrivs, '1');
});

withNamespaces('pid, uname and credential namespaces, uid mapping as requested', async (t) => {
  const seen = await probeApp(t, {
    script: path.join(apps, 'probe.js'),
    user: 'root',
    group: 'root',
    isolation: {
      namespaces: { credential: true, pid: true, uname: true, mount: true, network: false },
      uidmap: [{ container: 0, host: 65534, size: 1 }],
      gidmap: [{ container: 0, host: 65534, size: 1 }],
    },
  });
  // pid 1 of the namespace is the prototype; the app is its child there.
  t.is(seen.ppid, 1, `ppid ${seen.ppid}: the app's parent is pid 1 of its own pid namespace`);
  t.true((seen.pid as number) < 100, `pid ${seen.pid}`);
  t.is(seen.hostname, 'probe');
  t.is(seen.uid, 0, 'root inside');
  t.deepEqual(seen.uidMap, [0, 65534, 1], 'mapped to nobody outside');
  t.is(seen.noNewPrivs, '1');
});

withNamespaces('rootfs: only the rootfs is visible, with what node needs', async (t) => {
  const root = tempDir(t, 'weft-app-root-');
  fs.chmodSync(root, 0o755);
  const srv = path.join(root, 'srv');
  fs.mkdirSync(srv);
  fs.copyFileSync(path.join(apps, 'probe.js'), path.join(srv, 'probe.js'));
  fs.chmodSync(srv, 0o755);
  const seen = await probeApp(t, {
    script: '/srv/probe.js',
    working_directory: '/srv',
    isolation: { namespaces: { credential: true, pid: true, mount: true }, rootfs: root },
  });
  t.true((seen.root as string[]).includes('srv'));
  for (const hostOnly of ['home', 'root', 'var', 'opt']) {
    t.false((seen.root as string[]).includes(hostOnly), `the host's /${hostOnly} is not there`);
  }
  t.true((seen.root as string[]).includes('proc'));
  t.is(seen.cwd, '/srv');
});

withMemoryCgroup('a worker over its memory limit is replaced, not left to take the machine', async (t) => {
  const name = `weft-test-${process.pid}-${Date.now()}`;
  t.teardown(() => {
    for (const base of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
      try {
        fs.rmdirSync(path.join(base, name));
      } catch {
        // not made there
      }
    }
  });
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    // A pass the router resolves per request (its variable is empty) keeps
    // the router in the path, so that a worker dying under a request is a 502.
    routes: [{ match: { uri: '*' }, action: { pass: 'applications/hog$arg_weft_unused' } }],
    applications: {
      hog: {
        type: 'node',
        script: path.join(apps, 'memory-hog.js'),
        processes: 1,
        isolation: { cgroup: { path: name, limits: { memory: '96M' } } },
      },
    },
  });
  t.is((await request({ port }, '/')).status, 200);
  const hog = await request({ port }, '/eat');
  t.is(hog.status, 502, 'the worker was killed under the request');
  await w.waitForLog(/application "hog" process \d+ exited on signal SIGKILL/);
  for (
    const end = Date.now() + scaled(10000);
    Date.now() < end && (await request({ port }, '/').catch(() => ({ status: 0 }))).status !== 200;
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is((await request({ port }, '/')).status, 200, 'a new worker serves');
});
