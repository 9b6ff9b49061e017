// weftd's own log as containers and collectors want it: --log-format json
// (one object per line from every process), --log - / stderr / stdout.
import { spawn } from 'node:child_process';
import path from 'node:path';

import test from 'ava';

import { ErrorCodes } from '../src/errors.js';
import { parseCommandLine } from '../src/process-types/main/cli.js';
import { controlRequest } from '../src/cli/control-client.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd, WEFTD } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');

interface Record {
  time: string;
  level: string;
  pid: number;
  tid: number;
  process?: string;
  app?: string;
  code?: string;
  message: string;
}

test('--log-format json --log -: every line on stderr is one JSON object, with the process type, app and error code', async (t) => {
  const port = await freePort();
  const w = await startWeftd(t, { logArgs: ['--log', '-'], args: ['--log-format', 'json'] });
  const put = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
      applications: {
        hello: { type: 'node', script: path.join(apps, 'hello.js') },
      },
    }),
  );
  t.is(put.status, 200);
  const broken = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config/applications/broken',
    JSON.stringify({ type: 'node', script: path.join(apps, 'fails-at-start.js') }),
  );
  t.is(broken.status, 500);
  await waitFor(() => w.output().includes('the database is not reachable'), 10000, "the broken app's error in the log");
  t.is((await w.stop()).code, 0);

  const lines = w.output().split('\n').filter(Boolean);
  const records = lines.map((line) => {
    try {
      return JSON.parse(line) as Record;
    } catch {
      throw new Error(`not JSON: ${line}`);
    }
  });
  for (const r of records) {
    t.regex(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    t.true(['alert', 'error', 'warn', 'notice', 'info', 'debug'].includes(r.level));
    t.true(Number.isInteger(r.pid) && Number.isInteger(r.tid));
  }
  const find = (pred: (r: Record) => boolean): Record | undefined => records.find(pred);
  t.like(
    find((r) => r.message === 'router started'),
    { process: 'router', level: 'info' },
  );
  t.like(
    find((r) => r.message === 'controller started'),
    { process: 'controller' },
  );
  t.like(
    find((r) => /^weft [\d.]+ started$/.test(r.message)),
    { process: 'main', pid: w.pid },
  );
  // (No prototype: main starts an app without isolation itself.)
  t.is(
    find((r) => r.process === 'prototype' && r.app === 'hello'),
    undefined,
  );
  t.like(
    find((r) => r.process === 'application' && r.app === 'hello'),
    { app: 'hello' },
  );
  const failure = find((r) => r.process === 'application' && r.app === 'broken' && r.level === 'error');
  t.like(failure, { code: ErrorCodes.APP_START });
  t.regex(failure!.message, /the database is not reachable/);
  t.like(
    find((r) => r.message === 'SIGQUIT received, exiting'),
    { process: 'main', level: 'notice' },
  );
});

test("--log stdout: the log goes to weftd's stdout, in Unit's format by default", async (t) => {
  const dir = tempDir(t);
  const child = spawn(
    process.execPath,
    [
      WEFTD,
      '--no-daemon',
      '--log',
      'stdout',
      '--control',
      `unix:${path.join(dir, 'c.sock')}`,
      '--statedir',
      path.join(dir, 's'),
      '--pid',
      path.join(dir, 'p'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => /\[info\] \d+#\d+ weft [\d.]+ started\n/.test(stdout), 30000, '"started" on stdout');
  t.regex(stdout, /\[info\] \d+#\d+ router started\n/);
  child.kill('SIGQUIT');
  t.is(await exited, 0);
  t.is(stderr, '');
  t.regex(stdout, /\[notice\] \d+#\d+ SIGQUIT received, exiting\n/);
});

test('--log and --log-format on the command line', (t) => {
  const opts = (...argv: string[]) => {
    const r = parseCommandLine(argv, '/srv');
    if (r.kind !== 'run') throw new Error(r.kind);
    return r.options;
  };
  t.is(opts('--no-daemon', '--log', '-').log, undefined);
  t.is(opts('--no-daemon', '--log', 'stderr').log, undefined);
  t.is(opts('--no-daemon', '--log', 'stdout').log, '/dev/stdout');
  t.is(opts('--no-daemon', '--log', './stdout').log, '/srv/stdout');
  t.is(opts('--no-daemon').logFormat, 'unit');
  t.is(opts('--log-format', 'json').logFormat, 'json');
  t.throws(() => parseCommandLine(['--log', '-'], '/srv'), { message: 'option "--log -" requires "--no-daemon" (a daemon has no stderr)' });
  t.throws(() => parseCommandLine(['--log', 'stdout'], '/srv'), {
    message: 'option "--log stdout" requires "--no-daemon" (a daemon has no stdout)',
  });
  t.throws(() => parseCommandLine(['--log-format', 'xml'], '/srv'), { message: 'option "--log-format" requires one of unit, json' });
});
