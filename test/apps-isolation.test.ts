// Isolation from the config, probed from inside a running app over HTTP
// and from outside through /proc (what ps shows): namespaces, uid mapping,
// rootfs, no_new_privs, hostname, cgroup limits; which apps have a
// prototype (namespaces, rootfs) and which main starts itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { cgroupSupport } from '../src/isolation/app-cgroups.js';
import { census } from './helpers/census.js';
import type { Member } from './helpers/census.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { probe, when } from './helpers/features.js';
import { waitFor } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { scaled } from './helpers/machine.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const withNamespaces = when(test, probe('namespaces'));
const support = cgroupSupport();
const withMemoryCgroup = when(
  test,
  support.memory ? { ok: true, reason: '' } : { ok: false, reason: 'no cgroup memory controller (v2 or v1) on this host' },
);

async function probeApp(t: ExecutionContext, app: Record<string, unknown>, into?: { w?: Weftd }): Promise<Record<string, unknown>> {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/probe' } },
    applications: { probe: { type: 'node', processes: 1, ...app } },
  });
  if (into) into.w = w;
  const r = await request({ port }, '/');
  t.is(r.status, 200, r.text);
  return JSON.parse(r.text);
}

/** A field of /proc/<pid>/status, as `grep Field: /proc/<pid>/status` shows it. */
function procStatus(pid: number, field: string): string {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1].trim().replace(/\s+/g, ' ') : '';
}

function ofApp(w: Weftd, app: string): { prototypes: Member[]; processes: Member[] } {
  const members = census(w.pid);
  return {
    prototypes: members.filter((m) => m.kind === 'prototype' && m.app === app),
    processes: members.filter((m) => m.kind === 'application' && m.app === app),
  };
}

test('without isolation: no prototype; main starts the app process itself, as --user with no_new_privs', async (t) => {
  const at: { w?: Weftd } = {};
  const seen = await probeApp(t, { script: path.join(apps, 'probe.js') }, at);
  const w = at.w!;
  t.is(seen.uid, 65534);
  t.is(seen.noNewPrivs, '1');
  const { prototypes, processes } = ofApp(w, 'probe');
  t.deepEqual(prototypes, [], 'no prototype in ps');
  t.is(processes.length, 1);
  const app = processes[0];
  t.is(app.pid, seen.pid as number, 'the process that answered is the one ps shows');
  t.is(app.ppid, w.pid, "its parent is main (weftd's pid)");
  t.is(seen.ppid, w.pid);
  t.is(procStatus(app.pid, 'Uid'), '65534 65534 65534 65534', 'real, effective, saved and fs uid: nobody, none kept as root');
  t.is(procStatus(app.pid, 'Gid'), '65534 65534 65534 65534');
  t.is(procStatus(app.pid, 'NoNewPrivs'), '1');
  t.is(procStatus(app.pid, 'CapEff'), '0000000000000000');
  t.notRegex(w.log(), /prototype/, 'no prototype started or mentioned');
});

test('without isolation, with a user and group of its own and new_privs: those credentials, no_new_privs off', async (t) => {
  const at: { w?: Weftd } = {};
  const seen = await probeApp(
    t,
    { script: path.join(apps, 'probe.js'), user: 'daemon', group: 'daemon', isolation: { new_privs: true } },
    at,
  );
  const { prototypes, processes } = ofApp(at.w!, 'probe');
  t.deepEqual(prototypes, []);
  const daemonUid = Number(fs.readFileSync('/etc/passwd', 'utf8').match(/^daemon:[^:]*:(\d+):/m)![1]);
  t.is(seen.uid, daemonUid);
  t.is(procStatus(processes[0].pid, 'Uid'), `${daemonUid} ${daemonUid} ${daemonUid} ${daemonUid}`);
  t.is(procStatus(processes[0].pid, 'NoNewPrivs'), '0');
});

withNamespaces('pid, uname and credential namespaces, uid mapping as requested; a prototype starts the app process', async (t) => {
  const at: { w?: Weftd } = {};
  const seen = await probeApp(
    t,
    {
      script: path.join(apps, 'probe.js'),
      user: 'root',
      group: 'root',
      isolation: {
        namespaces: { credential: true, pid: true, uname: true, mount: true, network: false },
        uidmap: [{ container: 0, host: 65534, size: 1 }],
        gidmap: [{ container: 0, host: 65534, size: 1 }],
      },
    },
    at,
  );
  // pid 1 of the namespace is the prototype; the app is its child there.
  t.is(seen.ppid, 1, `ppid ${seen.ppid}: the app's parent is pid 1 of its own pid namespace`);
  // Seen from outside: a prototype, main's child, and the app process its child.
  const { prototypes, processes } = ofApp(at.w!, 'probe');
  t.is(prototypes.length, 1, 'a prototype in ps');
  t.is(prototypes[0].ppid, at.w!.pid);
  t.is(processes.length, 1);
  t.is(processes[0].ppid, prototypes[0].pid, "the app process's parent is the prototype");
  t.is(procStatus(processes[0].pid, 'NoNewPrivs'), '1');
  t.true((seen.pid as number) < 100, `pid ${seen.pid}`);
  t.is(seen.hostname, 'probe');
  t.is(seen.uid, 0, 'root inside');
  t.deepEqual(seen.uidMap, [0, 65534, 1], 'mapped to nobody outside');
  t.is(seen.noNewPrivs, '1');
});

/** The variables of a process's environment (as it was exec'd). */
function environ(pid: number): Map<string, string> {
  const text = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  return new Map(
    text
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** NODE_EXTRA_CA_CERTS: who starts with it, `node bin/weftd` (main has it) or bin/weftd as a program (main has not). */
async function extraCaCerts(t: ExecutionContext, asProgram: boolean): Promise<void> {
  {
    // Node parses the file at every start; Weft's own processes verify no TLS peer.
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o755);
    const cas = path.join(dir, 'extra-cas.pem');
    const key = path.join(dir, 'ca.key');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'];
    execFileSync('openssl', [...args, '-subj', '/CN=Weft Test CA', '-keyout', key, '-out', cas], { stdio: 'ignore' });
    fs.chmodSync(cas, 0o644);
    const [plain, isolated] = [await freePort(), await freePort()];
    const w = await startWithConfig(
      t,
      {
        listeners: {
          [`127.0.0.1:${plain}`]: { pass: 'applications/plain' },
          [`127.0.0.1:${isolated}`]: { pass: 'applications/isolated' },
        },
        applications: {
          plain: { type: 'node', processes: 1, script: path.join(apps, 'probe.js') },
          isolated: {
            type: 'node',
            processes: 1,
            script: path.join(apps, 'probe.js'),
            isolation: { namespaces: { credential: true, pid: true } },
          },
        },
      },
      { env: { NODE_EXTRA_CA_CERTS: cas }, asProgram },
    );
    for (const port of [plain, isolated]) t.is((await request({ port }, '/')).status, 200);
    const members = census(w.pid);
    const kinds = new Map<string, number>();
    for (const m of members) {
      if (m.kind === 'zombie' || m.kind === 'other') continue;
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      const expected = (m.kind === 'main' && !asProgram) || m.kind === 'prototype' || m.kind === 'application' ? cas : undefined;
      t.is(environ(m.pid).get('NODE_EXTRA_CA_CERTS'), expected, `${m.title} (${m.kind})`);
    }
    t.is(kinds.get('main'), 1);
    t.is(kinds.get('prototype'), 1, 'the isolated app has a prototype');
    t.is(kinds.get('application'), 2);
    t.true((kinds.get('controller') ?? 0) >= 1 && (kinds.get('router') ?? 0) >= 1);
    t.notRegex(w.log() + w.output(), /Ignoring extra certs/, 'the file loads where it is given');
  }
}

withNamespaces("NODE_EXTRA_CA_CERTS: Weft's own processes start without it; applications, direct or through a prototype, keep it", (t) =>
  extraCaCerts(t, false),
);

withNamespaces('NODE_EXTRA_CA_CERTS: bin/weftd run as a program starts main without it too; applications keep it', (t) =>
  extraCaCerts(t, true),
);

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

withMemoryCgroup('isolation.cgroup alone needs no prototype: main puts the app process in its cgroup', async (t) => {
  const name = `weft-test-${process.pid}-${Date.now()}-direct`;
  t.teardown(() => {
    for (const base of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
      try {
        fs.rmdirSync(path.join(base, name));
      } catch {
        // not made there
      }
    }
  });
  const at: { w?: Weftd } = {};
  const seen = await probeApp(
    t,
    { script: path.join(apps, 'probe.js'), isolation: { cgroup: { path: name, limits: { memory: '128M' } } } },
    at,
  );
  const { prototypes, processes } = ofApp(at.w!, 'probe');
  t.deepEqual(prototypes, []);
  t.is(processes[0].pid, seen.pid as number);
  t.is(processes[0].ppid, at.w!.pid);
  const cgroups = fs.readFileSync(`/proc/${seen.pid}/cgroup`, 'utf8');
  t.regex(cgroups, new RegExp(`^\\d+:[^:\\n]*memory[^:\\n]*:/${name}$|^0::/${name}$`, 'm'), cgroups);
  t.is(procStatus(seen.pid as number, 'NoNewPrivs'), '1');
  t.is(procStatus(seen.pid as number, 'Uid'), '65534 65534 65534 65534');
});

// The plugin's check runs as the app's user: in the prototype where there
// is one, and where main starts the processes itself, once the first start
// failed (so a missing or unreadable script is reported in the plugin's own
// words either way, as the same error).
const isolations: Array<[string, Record<string, unknown> | undefined, boolean]> = [
  ['without isolation (main starts the processes)', undefined, true],
  ['with a namespace (a prototype starts them)', { namespaces: { uname: true } }, probe('namespaces').ok],
];
for (const [how, isolation, runs] of isolations) {
  (runs ? test : test.skip)(`a script the app's user cannot read is refused with the plugin's reason, ${how}`, async (t) => {
    const dir = tempDir(t);
    fs.chmodSync(dir, 0o755);
    const secret = path.join(dir, 'secret.js');
    fs.copyFileSync(path.join(apps, 'probe.js'), secret);
    fs.chmodSync(secret, 0o600); // root's only: nobody cannot read it
    const missing = path.join(dir, 'missing.js');
    const w = await startWeftd(t);
    const port = await freePort();
    for (const [script, errno] of [
      [secret, 'EACCES'],
      [missing, 'ENOENT'],
    ]) {
      const r = await controlRequest(
        { socketPath: w.controlPath },
        'PUT',
        '/config',
        JSON.stringify({
          listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/s' } },
          applications: { s: { type: 'node', script, ...(isolation ? { isolation } : {}) } },
        }),
      );
      t.is(r.status, 500, r.text);
      const reason = `the script "${script}" cannot be read: ${errno}`;
      t.is(
        (r.body as { detail: string }).detail,
        `"s" prototype did not start: prototype: setup failed: ${reason}`,
        'the same error with or without a prototype',
      );
      // main logs it once the prototype has exited, which may be just after the answer.
      const line = `"s" prototype failed to start: prototype: setup failed: ${reason}`;
      await w.waitForLog(new RegExp(line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 10000);
      // Nothing of it is left.
      await waitFor(() => ofApp(w, 's').prototypes.length + ofApp(w, 's').processes.length === 0, 10000, 'its processes gone');
    }
    t.deepEqual((await controlRequest({ socketPath: w.controlPath }, 'GET', '/config')).body, {}, 'the old configuration stays');
  });
}
