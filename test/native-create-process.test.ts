import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { ErrorCodes, SpawnError, WeftError } from '../src/errors.js';
import { createProcess, resolveCredentials } from '../src/native/index.js';
import { capture, sh } from './helpers/capture.js';
import { probe, when } from './helpers/features.js';
import { tempDir } from './helpers/tmp.js';

const asRoot = when(test, probe('root'));

test('runs a program with the given argv, env and cwd, and reports its exit code', async (t) => {
  const dir = tempDir(t);
  const r = await capture({
    file: 'sh',
    args: ['my-sh', '-c', 'echo "$0|$GREETING|$(pwd)"; exit 7'],
    env: { PATH: '/usr/bin:/bin', GREETING: 'hello' },
    cwd: dir,
  });
  t.is(r.stdout, `my-sh|hello|${fs.realpathSync(dir)}\n`);
  t.deepEqual(r.status, { code: 7, signal: null });
});

test('maps fds to the asked numbers and closes every other fd', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'three');
  const fd3 = fs.openSync(file, 'w');
  // An fd of ours that is not close-on-exec must not leak into the child.
  const leaky = fs.openSync('/dev/null', 'r');
  t.teardown(() => fs.closeSync(leaky));
  try {
    const r = await capture({
      file: '/bin/sh',
      args: ['sh', '-c', 'echo written-to-3 >&3; ls /proc/self/fd'],
      env: { PATH: '/usr/bin:/bin' },
      fds: [null, null, null, fd3],
    });
    // ls itself holds one more fd for the directory it reads.
    const fds = r.stdout
      .trim()
      .split('\n')
      .map(Number)
      .sort((a, b) => a - b);
    t.deepEqual(fds.slice(0, 4), [0, 1, 2, 3]);
    t.is(fds.length, 5, `unexpected fds: ${fds.join(' ')}`);
  } finally {
    fs.closeSync(fd3);
  }
  t.is(fs.readFileSync(file, 'utf8'), 'written-to-3\n');
});

test('a program that cannot be executed fails at stage "exec" with ENOENT', async (t) => {
  const e = await t.throwsAsync(createProcess({ file: '/nonexistent/program', args: ['x'] }), { instanceOf: SpawnError });
  t.is(e!.code, ErrorCodes.SPAWN);
  t.is(e!.stage, 'exec');
  t.is(e!.syscall, 'execve');
  t.is(e!.errnoName, 'ENOENT');
  t.regex(e!.message, /execve\(2\) failed: ENOENT/);
});

test('a missing working directory fails at stage "chdir"', async (t) => {
  const e = await t.throwsAsync(createProcess({ file: '/bin/true', cwd: '/nonexistent-dir' }), { instanceOf: SpawnError });
  t.is(e!.stage, 'chdir');
  t.is(e!.errnoName, 'ENOENT');
  t.regex(e!.message, /nonexistent-dir/);
});

test('rlimits are applied before exec', async (t) => {
  const r = await sh('ulimit -n; ulimit -Hn', { rlimits: { nofile: [123, 456] } });
  t.is(r.stdout, '123\n456\n');
});

test('kill() delivers a signal and the exit reports it', async (t) => {
  const child = await createProcess({ file: '/bin/sleep', args: ['sleep', '30'] });
  t.true(child.kill('SIGTERM'));
  t.deepEqual(await child.exited, { code: null, signal: 'SIGTERM' });
  t.false(child.kill('SIGTERM'), 'an exited child cannot be signalled');
});

test('no_new_privs is set unless allowed', async (t) => {
  const on = await sh('grep NoNewPrivs /proc/self/status');
  t.regex(on.stdout, /NoNewPrivs:\s+1/);
  const off = await sh('grep NoNewPrivs /proc/self/status', { noNewPrivs: false });
  t.regex(off.stdout, /NoNewPrivs:\s+0/);
});

asRoot('credentials: switched to nobody with no supplementary groups', async (t) => {
  const nobody = resolveCredentials('nobody');
  const r = await sh('grep -E "^(Uid|Gid|Groups):" /proc/self/status', {
    credentials: { uid: nobody.uid, gid: nobody.gid, groups: [] },
  });
  const lines = r.stdout.split('\n');
  t.is(lines[0], `Uid:\t${nobody.uid}\t${nobody.uid}\t${nobody.uid}\t${nobody.uid}`);
  t.is(lines[1], `Gid:\t${nobody.gid}\t${nobody.gid}\t${nobody.gid}\t${nobody.gid}`);
  t.regex(lines[2], /^Groups:\s*$/);
});

test('an unknown user is a clear error naming it', (t) => {
  const e = t.throws(() => resolveCredentials('no-such-user-weft'), { instanceOf: WeftError });
  t.is(e!.code, ErrorCodes.UNKNOWN_USER);
  t.is(e!.message, 'unknown user "no-such-user-weft"');
  const g = t.throws(() => resolveCredentials('root', 'no-such-group-weft'));
  t.is((g as WeftError).code, ErrorCodes.UNKNOWN_GROUP);
});

test('resolves users and groups by name', (t) => {
  const root = resolveCredentials('root');
  t.is(root.uid, 0);
  t.is(root.gid, 0);
  t.true(root.groups.includes(0));
  t.is(root.group, 'root');
});

test('bad options are refused before anything is created', async (t) => {
  const cases: Array<[object, RegExp]> = [
    [{ file: '' }, /file must be a non-empty string/],
    [{ file: '/bin/true', namespaces: { bogus: true } }, /unknown namespace "bogus"/],
    [{ file: '/bin/true', uidMap: [{ container: 0, host: 0, size: 1 }] }, /need the user namespace/],
    [{ file: '/bin/true', hostname: 'x' }, /hostname needs the uts namespace/],
    [{ file: '/bin/true', rootfs: 'relative' }, /rootfs must be an absolute path/],
    [{ file: '/bin/true', rootfs: '/tmp', mounts: [{ type: 'proc', target: '/proc' }] }, /mounts need the mount namespace/],
    [{ file: '/bin/true', rlimits: { bogus: 1 } }, /unknown rlimit "bogus"/],
    [{ file: '/bin/true', credentials: { uid: -1, gid: 0, groups: [] } }, /credentials.uid must be an integer/],
    [{ file: '/bin/true', dieWithParent: 'SIGNOPE' }, /unknown signal "SIGNOPE"/],
    [{ file: '/bin/true', fds: [0, -4] }, /fds\[1\] must be an fd number or null/],
  ];
  for (const [options, message] of cases) {
    const e = await t.throwsAsync(createProcess(options as never), { message });
    t.is((e as WeftError).code, ErrorCodes.ARGUMENT);
  }
});
