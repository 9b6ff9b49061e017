// The configuration survives restarts and crashes; --config behaves as the
// README documents.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, commandLine, isAlive, waitFor } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';
import { runWeftdToExit, startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const put = (w: Weftd, p: string, body: unknown) => controlRequest({ socketPath: w.controlPath }, 'PUT', p, JSON.stringify(body));
const get = (w: Weftd, p: string) => controlRequest({ socketPath: w.controlPath }, 'GET', p);

const config = (code: number) => ({ routes: { main: [{ action: { return: code } }] } });

test('the configuration persists across a restart', async (t) => {
  const first = await startWeftd(t);
  t.is((await put(first, '/config', config(204))).status, 200);
  t.deepEqual(await first.stop(), { code: 0, signal: null });
  const second = await startWeftd(t, { dir: first.dir });
  t.deepEqual((await get(second, '/config')).body, config(204));
});

test('a corrupt state file is reported and the last good copy is used', async (t) => {
  const first = await startWeftd(t);
  await put(first, '/config', config(201));
  await put(first, '/config', config(202));
  await first.stop();
  const stateFile = path.join(first.stateDir, 'conf.json');
  fs.writeFileSync(stateFile, '{"routes": {"main": [{"action": {"return": 2');
  const second = await startWeftd(t, { dir: first.dir });
  t.deepEqual((await get(second, '/config')).body, config(201));
  t.regex(second.log(), /\[error\] .*the stored configuration is unusable: .*conf\.json:1:\d+: /);
  t.regex(second.log(), /\[warn\] .*using the last good configuration, ".*conf\.json\.bak"/);
  // The next change is stored whole again, and the good backup survives it.
  await put(second, '/config', config(203));
  t.deepEqual(JSON.parse(fs.readFileSync(stateFile, 'utf8')), config(203));
  t.deepEqual(JSON.parse(fs.readFileSync(`${stateFile}.bak`, 'utf8')), config(201));
});

function writeConfig(dir: string, value: unknown): string {
  const file = path.join(dir, 'weft.json');
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

test('--config: the file wins at start; API changes go to the state dir; --config-write-back writes them back', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, config(210));
  const a = await startWeftd(t, { args: ['--config', file] });
  t.deepEqual((await get(a, '/config')).body, config(210));
  t.is((await put(a, '/config/routes/main/0/action/return', 211)).status, 200);
  t.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), config(210), 'the file is not touched');
  await a.stop();
  // Restart with the file: the file wins again.
  const b = await startWeftd(t, { dir: a.dir, args: ['--config', file] });
  t.deepEqual((await get(b, '/config')).body, config(210));
  await put(b, '/config/routes/main/0/action/return', 212);
  await b.stop();
  // Restart without it: the state dir has the last API change.
  const c = await startWeftd(t, { dir: a.dir });
  t.deepEqual((await get(c, '/config')).body, config(212));
  await c.stop();
  // With write-back, API changes land in the file too.
  const d = await startWeftd(t, { dir: a.dir, args: ['--config', file, '--config-write-back'] });
  await put(d, '/config/routes/main/0/action/return', 213);
  t.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), config(213));
});

test('an invalid --config makes weftd exit 1 with the file, line, column and detail', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, '{\n  "routes": {\n    "main": [{ "action": { "return": "x" } }]\n  }\n}\n');
  const r = await runWeftdToExit(t, ['--config', file]);
  t.is(r.status.code, 1);
  t.is(
    r.stderr,
    `weftd: ${file}:3:38: The "return" value must be an integer number, but not a string. (at /routes/main/0/action/return)\n`,
  );
});

test('a --config that is not JSON makes weftd exit 1 with the location', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, '{\n  "routes": [\n    {"action": }\n  ]\n}');
  const r = await runWeftdToExit(t, ['--config', file]);
  t.is(r.status.code, 1);
  t.regex(r.stderr, new RegExp(`^weftd: ${file.replace(/[.]/g, '\\.')}:3:16: `));
});

test('kill -9 of the controller during a stream of PUTs loses no acknowledged change and never corrupts the state file', async (t) => {
  const w = await startWeftd(t);
  const controller = () => childrenOf(w.pid).find((c) => c.state !== 'Z' && commandLine(c.pid) === 'weft: controller')?.pid;
  let acked = 0;
  let killed = false;
  for (let i = 1; i <= 120; i++) {
    if (i === 40) {
      process.kill(controller()!, 'SIGKILL');
      killed = true;
    }
    try {
      const r = await put(w, '/config', config(200 + (i % 700)));
      if (r.status === 200) acked = i;
    } catch {
      // the controller died under this request: not acknowledged
      await waitFor(() => controller() !== undefined, 10000, 'a new controller');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  t.true(killed);
  t.true(acked >= 100, `only ${acked} PUTs were acknowledged`);
  const stored = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'conf.json'), 'utf8'));
  t.deepEqual(stored, config(200 + (acked % 700)));
  t.deepEqual((await get(w, '/config')).body, stored);
});

test('kill -9 of main in the middle of writes leaves a whole, valid state file', async (t) => {
  const w = await startWeftd(t);
  const acked: number[] = [];
  const writer = (async () => {
    for (let i = 1; i < 1000; i++) {
      try {
        const big = { ...config(200 + (i % 700)), applications: {}, upstreams: {}, settings: { http: { max_body_size: i } } };
        const r = await put(w, '/config', big);
        if (r.status === 200) acked.push(i);
      } catch {
        return;
      }
    }
  })();
  await waitFor(() => acked.length >= 20, 20000, '20 acknowledged PUTs');
  process.kill(w.pid, 'SIGKILL');
  await writer;
  await waitFor(() => childrenOf(w.pid).length === 0 || !isAlive(w.pid), 10000, 'main gone');
  const stored = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'conf.json'), 'utf8')) as {
    settings: { http: { max_body_size: number } };
  };
  const last = acked[acked.length - 1];
  // The last acknowledged change, or the one in flight when main died.
  t.true(
    [last, last + 1].includes(stored.settings.http.max_body_size),
    `stored ${stored.settings.http.max_body_size}, last acknowledged ${last}`,
  );
});

test('a --config that cannot be applied makes weftd exit 1 with the reason', async (t) => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as import('node:net').AddressInfo).port;
  const dir = tempDir(t);
  const file = writeConfig(dir, { listeners: { [`127.0.0.1:${port}`]: { pass: 'routes/main' } }, ...config(200) });
  const r = await runWeftdToExit(t, ['--config', file]);
  t.is(r.status.code, 1);
  t.is(
    r.stderr,
    `weftd: the configuration in ${file} could not be applied: cannot listen on 127.0.0.1:${port}: bind(2) failed: EADDRINUSE\n`,
  );
});

test('a full disk: the change is refused with ENOSPC, the last stored configuration stays in force and on disk, and the next change after space is freed is kept', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('skipped: mounting a small tmpfs as the state dir needs root');
  const w = await startWeftd(t);
  const port = await freePort();
  const served = (code: number) => ({ listeners: { [`127.0.0.1:${port}`]: { pass: 'routes/main' } }, ...config(code) });
  t.is((await put(w, '/config', served(201))).status, 200);
  // A 64 KiB tmpfs over the state dir, filled but for a few bytes.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', w.stateDir]);
  if (mounted.status !== 0) return t.pass(`skipped: mount -t tmpfs failed here (${mounted.stderr.toString().trim()})`);
  t.teardown(() => void spawnSync('umount', ['-l', w.stateDir]));
  fs.writeFileSync(path.join(w.stateDir, 'conf.json'), JSON.stringify(served(201)));
  const filler = path.join(w.stateDir, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(1024));
  } catch (e) {
    t.is((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }

  const refused = await put(w, '/config', { ...served(202), settings: { http: { max_body_size: 12345 } } });
  t.is(refused.status, 500);
  t.regex(String((refused.body as { detail?: string }).detail), /ENOSPC/);
  t.deepEqual((await get(w, '/config')).body, served(201));
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(w.stateDir, 'conf.json'), 'utf8')), served(201));
  t.is((await request({ port }, '/')).status, 201, 'the router went back to what is stored');
  t.deepEqual(
    fs.readdirSync(w.stateDir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left behind',
  );

  fs.rmSync(filler);
  t.is((await put(w, '/config', served(203))).status, 200);
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(w.stateDir, 'conf.json'), 'utf8')), served(203));
  t.is((await request({ port }, '/')).status, 203);
});
