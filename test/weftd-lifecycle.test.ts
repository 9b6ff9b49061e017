// weftd starts and stops like unitd: processes, titles, pid file, signals,
// daemon mode, restarts, log reopening.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { capture } from './helpers/capture.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine, isAlive, procStat, waitFor } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd, waitForFileText, WEFTD } from './helpers/weftd.js';

function titlesOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of childrenOf(pid)) {
    if (c.state !== 'Z') out.set(commandLine(c.pid), c.pid);
  }
  return out;
}

test('ps shows main, controller and router with their titles; the latter two are children of main', async (t) => {
  const w = await startWeftd(t);
  t.regex(commandLine(w.pid), /^weft: main v\d+\.\d+\.\d+ \[weftd --no-daemon --control unix:/);
  const titles = titlesOf(w.pid);
  t.deepEqual([...titles.keys()].sort(), ['weft: controller', 'weft: router']);
  // They run as --user (nobody), not as root.
  for (const pid of titles.values()) {
    t.regex(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\t65534\t/m);
  }
  t.regex(w.log(), /\[info\] \d+#\d+ controller started/);
  t.regex(w.log(), /\[info\] \d+#\d+ router started/);
  t.notRegex(w.log(), /\[alert\]/);
});

test('--title-prefix unit gives the titles tools written for Unit expect', async (t) => {
  const w = await startWeftd(t, { args: ['--title-prefix', 'unit'] });
  t.regex(commandLine(w.pid), /^unit: main v\d+\.\d+\.\d+ \[weftd /);
  t.deepEqual([...titlesOf(w.pid).keys()].sort(), ['unit: controller', 'unit: router']);
});

test('the pid file appears before the control socket', async (t) => {
  const dir = tempDir(t);
  const order: string[] = [];
  const watcher = fs.watch(dir, (_event, name) => {
    if ((name === 'weft.pid' || name === 'control.sock') && !order.includes(name)) order.push(name);
  });
  t.teardown(() => watcher.close());
  const w = await startWeftd(t, {
    args: ['--pid', path.join(dir, 'weft.pid'), '--control', `unix:${path.join(dir, 'control.sock')}`],
  });
  // inotify events arrive on a later turn of the loop.
  await waitFor(() => order.length === 2, 5000, 'both files to appear');
  t.deepEqual(order, ['weft.pid', 'control.sock']);
  t.is(fs.readFileSync(path.join(dir, 'weft.pid'), 'utf8'), `${w.pid}\n`);
});

test('SIGQUIT stops everything with exit 0 and leaves no process, socket or pid file', async (t) => {
  const w = await startWeftd(t);
  const children = [...titlesOf(w.pid).values()];
  t.is(children.length, 2);
  t.true(fs.existsSync(w.controlPath));
  t.deepEqual(await w.stop(), { code: 0, signal: null });
  for (const pid of children) t.false(isAlive(pid), `pid ${pid} is gone`);
  t.false(fs.existsSync(w.controlPath), 'control socket removed');
  t.false(fs.existsSync(w.pidPath), 'pid file removed');
  t.notRegex(w.log(), /\[alert\]/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} is a graceful quit too`, async (t) => {
    const w = await startWeftd(t);
    w.process.kill(signal);
    t.deepEqual(await w.exited, { code: 0, signal: null });
    t.false(fs.existsSync(w.pidPath));
  });
}

test('SIGHUP is ignored', async (t) => {
  const w = await startWeftd(t);
  const before = w.log().length;
  w.process.kill('SIGHUP');
  // A later log line proves main handled events after the SIGHUP.
  w.process.kill('SIGUSR1');
  await w.waitForLog(/the log was reopened/, 5000, before);
  t.true(isAlive(w.pid));
});

test('daemon mode returns once ready; the daemon is a session leader that writes the pid file', async (t) => {
  const dir = tempDir(t);
  const pidFile = path.join(dir, 'weft.pid');
  const control = path.join(dir, 'control.sock');
  const r = await capture({
    file: process.execPath,
    args: [
      'node',
      WEFTD,
      '--control',
      `unix:${control}`,
      '--pid',
      pidFile,
      '--log',
      path.join(dir, 'weft.log'),
      '--statedir',
      path.join(dir, 'state'),
    ],
  });
  t.deepEqual(r.status, { code: 0, signal: null }, r.stderr);
  // Ready means ready: the pid file and the socket exist when weftd returns.
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.teardown(async () => {
    if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    await waitFor(() => !isAlive(pid), 10000, 'daemon exit').catch(() => process.kill(pid, 'SIGKILL'));
  });
  t.true(fs.existsSync(control));
  const st = procStat(pid)!;
  t.is(st.session, pid, 'session leader');
  t.not(st.ppid, r.pid);
  t.is(fs.readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
  t.is(fs.readlinkSync(`/proc/${pid}/fd/1`), '/dev/null');
  t.deepEqual([...titlesOf(pid).keys()].sort(), ['weft: controller', 'weft: router']);
  process.kill(pid, 'SIGQUIT');
  await waitFor(() => !isAlive(pid), 10000, 'daemon exit');
  t.false(fs.existsSync(pidFile));
});

test('relative paths mean what they meant where weftd was started, daemon or not; apps run there by default', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755); // the app's user (nobody) works in it
  fs.copyFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'apps', 'plain-http.js'), path.join(dir, 'app.js'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'conf.json'),
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/here' } },
      applications: { here: { type: 'node', script: 'app.js' } },
    }),
  );
  const r = await capture({
    file: process.execPath,
    args: [
      'node',
      WEFTD,
      '--control',
      'unix:control.sock',
      '--pid',
      'weft.pid',
      '--log',
      'weft.log',
      '--statedir',
      'state',
      '--config',
      'conf.json',
    ],
    cwd: dir,
  });
  t.deepEqual(r.status, { code: 0, signal: null }, r.stderr);
  const pid = Number(fs.readFileSync(path.join(dir, 'weft.pid'), 'utf8'));
  t.teardown(async () => {
    if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    await waitFor(() => !isAlive(pid), 10000, 'daemon exit').catch(() => process.kill(pid, 'SIGKILL'));
  });
  t.is(procStat(pid)!.session, pid);
  t.true(fs.existsSync(path.join(dir, 'control.sock')));
  t.true(fs.existsSync(path.join(dir, 'state', 'conf.json')));
  const info = JSON.parse((await request({ port }, '/info')).text) as { cwd: string; mainFilename: string };
  t.is(info.cwd, dir);
  t.is(info.mainFilename, path.join(dir, 'app.js'));
  process.kill(pid, 'SIGQUIT');
  await waitFor(() => !isAlive(pid), 10000, 'daemon exit');
  t.regex(fs.readFileSync(path.join(dir, 'weft.log'), 'utf8'), /exiting|stopped|quit/i);
});

test('a daemon that cannot start makes weftd exit 1 with the reason', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
  const r = await capture({
    file: process.execPath,
    args: [
      'node',
      WEFTD,
      '--control',
      `unix:${path.join(dir, 'not-a-dir', 'control.sock')}`,
      '--pid',
      path.join(dir, 'weft.pid'),
      '--log',
      path.join(dir, 'weft.log'),
      '--statedir',
      path.join(dir, 'state'),
    ],
  });
  t.deepEqual(r.status, { code: 1, signal: null });
  t.regex(
    r.stderr,
    /^weftd: cannot create the control socket: cannot listen on unix:\/.*\/not-a-dir\/control.sock: bind\(2\) failed: ENOTDIR\n$/,
  );
  t.false(fs.existsSync(path.join(dir, 'weft.pid')), 'no pid file left behind');
});

for (const victim of ['router', 'controller']) {
  test(`kill -9 of the ${victim} brings a new one with the same title`, async (t) => {
    const w = await startWeftd(t);
    const old = titlesOf(w.pid).get(`weft: ${victim}`)!;
    const mark = w.log().length;
    process.kill(old, 'SIGKILL');
    await w.waitForLog(new RegExp(`process ${old} exited on signal 9`), 10000, mark);
    await w.waitForLog(new RegExp(`${victim} started`), 10000, mark);
    const fresh = titlesOf(w.pid).get(`weft: ${victim}`);
    t.truthy(fresh);
    t.not(fresh, old);
  });
}

test('SIGUSR1 reopens a rotated log in main and in the other processes', async (t) => {
  const w = await startWeftd(t);
  const rotated = `${w.logPath}.1`;
  fs.renameSync(w.logPath, rotated);
  w.process.kill('SIGUSR1');
  await waitForFileText(w.logPath, /the log was reopened/);
  // A restarted router logs through the fd main handed down at reopen time;
  // kill the controller so that a fresh process logs too.
  const router = titlesOf(w.pid).get('weft: router')!;
  process.kill(router, 'SIGKILL');
  await waitForFileText(w.logPath, /router started/);
  t.notRegex(fs.readFileSync(rotated, 'utf8'), /the log was reopened/);
});

test('an unknown option is refused the way unitd refuses it', (t) => {
  const r = spawnSync(process.execPath, [WEFTD, '--bogus'], { encoding: 'utf8' });
  t.is(r.status, 1);
  t.is(r.stderr, 'unknown option "--bogus", try "weftd -h" for available options\n');
  const missing = spawnSync(process.execPath, [WEFTD, '--pid'], { encoding: 'utf8' });
  t.is(missing.status, 1);
  t.is(missing.stderr, 'option "--pid" requires a filename\n');
});

test('--version and --help', (t) => {
  const v = spawnSync(process.execPath, [WEFTD, '--version'], { encoding: 'utf8' });
  t.is(v.status, 0);
  // unitd's two lines: tools read the version from line 1 and the build's
  // defaults and features (configure flags) from line 2.
  const lines = v.stderr.split('\n');
  t.is(lines.length, 3);
  t.regex(lines[0], /^weft version: \d+\.\d+\.\d+$/);
  t.regex(lines[1], /^configured as \.\/configure( --[a-z]+(=\S+)?)+$/);
  t.true(lines[1].split(' ').includes('--openssl'));
  t.true(lines[1].split(' ').includes('--zlib'));
  t.true(lines[1].split(' ').includes('--brotli'));
  t.true(lines[1].split(' ').includes('--statedir=/var/lib/weft'));
  t.is(v.stdout, '');
  const u = spawnSync(process.execPath, [WEFTD, '--title-prefix', 'unit', '--version'], { encoding: 'utf8' });
  t.is(u.status, 0);
  t.regex(u.stderr, /^unit version: \d+\.\d+\.\d+\nconfigured as \.\/configure /);
  const h = spawnSync(process.execPath, [WEFTD, '-h'], { encoding: 'utf8' });
  t.is(h.status, 0);
  t.regex(h.stdout, /--control ADDRESS/);
});

test('an unknown engine name fails start-up with the list of known engines', async (t) => {
  const dir = tempDir(t);
  const r = await capture({
    file: process.execPath,
    args: [
      'node',
      WEFTD,
      '--no-daemon',
      '--engine',
      'epoll2',
      '--control',
      `unix:${path.join(dir, 'c.sock')}`,
      '--pid',
      path.join(dir, 'p'),
      '--statedir',
      dir,
    ],
  });
  t.is(r.status.code, 1);
  t.is(r.stderr, 'weftd: unknown engine "epoll2" (registered: "libuv")\n');
});

test("SIGUSR1: application processes' stderr that was the log goes to the new file (Node and Python); an app's own stderr file stays", async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o777);
  const node = path.join(dir, 'noisy.js');
  fs.writeFileSync(
    node,
    `require('http').createServer((req, res) => { console.error(process.env.TAG + ' ' + req.url); res.end('ok'); }).listen(3000);\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'noisy_wsgi.py'),
    `import sys\ndef application(environ, start_response):\n    sys.stderr.write('py-stderr ' + environ['PATH_INFO'] + '\\n')\n    sys.stderr.flush()\n    start_response('200 OK', [])\n    return [b'ok']\n`,
  );
  const own = path.join(dir, 'own.err');
  const port = await freePort();
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
      routes: [
        { match: { uri: '/n/*' }, action: { pass: 'applications/n' } },
        { match: { uri: '/own/*' }, action: { pass: 'applications/own' } },
        { match: { uri: '/pown/*' }, action: { pass: 'applications/pown' } },
        { action: { pass: 'applications/p' } },
      ],
      applications: {
        n: { type: 'node', script: node, environment: { TAG: 'node-stderr' } },
        own: { type: 'node', script: node, environment: { TAG: 'own-stderr' }, stderr: own },
        p: { type: 'python', path: dir, module: 'noisy_wsgi' },
        pown: { type: 'python', path: dir, module: 'noisy_wsgi', stderr: `${own}.py` },
      },
    }),
  );
  const w = await startWeftd(t, { args: ['--config', config] });
  for (const u of ['/n/before', '/own/before', '/p/before']) t.is((await request({ port }, u)).status, 200);
  await waitForFileText(w.logPath, /py-stderr \/p\/before/);
  const rotated = `${w.logPath}.1`;
  fs.renameSync(w.logPath, rotated);
  w.process.kill('SIGUSR1');
  await waitForFileText(w.logPath, /the log was reopened/);
  for (const u of ['/n/after', '/own/after', '/p/after', '/pown/after']) t.is((await request({ port }, u)).status, 200);
  await waitForFileText(w.logPath, /node-stderr \/n\/after/);
  await waitForFileText(w.logPath, /py-stderr \/p\/after/);
  await waitForFileText(own, /own-stderr \/own\/after/);
  await waitForFileText(`${own}.py`, /py-stderr \/pown\/after/);
  const old = fs.readFileSync(rotated, 'utf8');
  t.regex(old, /node-stderr \/n\/before/);
  t.notRegex(old, /\/after/, 'nothing after the rotation went to the old file');
  t.notRegex(fs.readFileSync(w.logPath, 'utf8'), /own-stderr|pown|unhandled CHANGE_FILE/);
});
