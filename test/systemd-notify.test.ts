// weftd under systemd's Type=notify, with a real NOTIFY_SOCKET that this
// test binds (test/fixtures/tools/notify-receiver.py plays systemd).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { freePort } from './helpers/ports.js';
import { childrenOf } from './helpers/processes.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const RECEIVER = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'tools', 'notify-receiver.py');
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface Notice {
  pid: number;
  message: string;
  probes?: Record<string, true | string>;
  fields: Record<string, string>;
}

/** The receiver's datagrams, in order; next() waits for the next one. */
async function receiver(t: ExecutionContext, address: string, probes: string[]): Promise<{ next(): Promise<Notice>; all: Notice[] }> {
  const child = spawn(PYTHON, [RECEIVER, address, ...probes.flatMap((p) => ['--probe', p])], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const all: Notice[] = [];
  const waiting: Array<(n: Notice) => void> = [];
  let taken = 0;
  let buffer = '';
  let bound!: () => void;
  const isBound = new Promise<void>((r) => (bound = r));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl)) as Notice & { bound?: boolean };
      buffer = buffer.slice(nl + 1);
      if (line.bound) {
        bound();
        continue;
      }
      line.fields = Object.fromEntries(line.message.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      all.push(line);
      waiting.shift()?.(line);
    }
  });
  await isBound;
  return {
    all,
    next: () => {
      const i = taken++;
      if (i < all.length) return Promise.resolve(all[i]);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c.pid, ...descendants(c.pid)]);
}

test('READY=1 once the control socket and the listeners are up; RELOADING/READY around changes; STOPPING on quit', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const control = path.join(dir, 'control.sock');
  const notify = await receiver(t, path.join(dir, 'notify.sock'), [`tcp:127.0.0.1:${port}`, `unix:${control}`]);
  const configFile = path.join(dir, 'weft.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'applications/hello' } },
      applications: { hello: { type: 'node', script: path.join(apps, 'hello.js') } },
    }),
  );
  const w = await startWeftd(t, { dir, args: ['--config', configFile], env: { NOTIFY_SOCKET: path.join(dir, 'notify.sock') } });

  const ready = await notify.next();
  t.is(ready.pid, w.pid, 'sent by main (NotifyAccess=main)');
  t.is(ready.fields.READY, '1');
  t.is(ready.fields.MAINPID, String(w.pid));
  t.is(ready.fields.STATUS, 'Ready: 1 listener, 1 application');
  t.deepEqual(ready.probes, { [`tcp:127.0.0.1:${port}`]: true, [`unix:${control}`]: true });
  // No process main started inherits the socket (an app could speak for the service).
  for (const pid of descendants(w.pid)) {
    t.false(
      fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .some((e) => e.startsWith('NOTIFY_SOCKET=')),
      `pid ${pid}`,
    );
  }

  const before = process.hrtime.bigint() / 1000n;
  const changed = await controlRequest({ socketPath: w.controlPath }, 'PUT', '/config/applications/hello/processes', '2');
  const after = process.hrtime.bigint() / 1000n;
  t.is(changed.status, 200);
  const reloading = await notify.next();
  t.is(reloading.fields.RELOADING, '1');
  const usec = BigInt(reloading.fields.MONOTONIC_USEC);
  t.true(usec >= before && usec <= after, 'MONOTONIC_USEC is CLOCK_MONOTONIC at the start of the change');
  const reloaded = await notify.next();
  t.is(reloaded.fields.READY, '1');
  t.is(reloaded.fields.STATUS, 'Ready: 1 listener, 1 application');

  const refused = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config/applications/broken',
    JSON.stringify({ type: 'node', script: path.join(apps, 'fails-at-start.js') }),
  );
  t.is(refused.status, 500);
  t.is((await notify.next()).fields.RELOADING, '1');
  const failed = await notify.next();
  t.is(failed.fields.READY, '1');
  t.regex(failed.fields.STATUS, /^Ready; the last configuration change failed: /);

  // Unchanged: nothing to reload, nothing said.
  t.is((await controlRequest({ socketPath: w.controlPath }, 'PUT', '/config/applications/hello/processes', '2')).status, 200);

  t.is((await w.stop()).code, 0);
  const stopping = await notify.next();
  t.is(stopping.fields.STOPPING, '1');
  t.is(stopping.fields.STATUS, 'Stopping (SIGQUIT)');
  t.is(notify.all.length, 6);
});

test('an abstract NOTIFY_SOCKET (@name), as systemd may set it', async (t) => {
  const name = `@weft-test-notify-${process.pid}-${Date.now()}`;
  const notify = await receiver(t, name, []);
  const w = await startWeftd(t, { env: { NOTIFY_SOCKET: name } });
  const ready = await notify.next();
  t.is(ready.pid, w.pid);
  t.is(ready.fields.STATUS, 'Ready: 0 listeners, 0 applications');
  await w.stop();
  t.is((await notify.next()).fields.STOPPING, '1');
});

test('a NOTIFY_SOCKET nobody listens on is a warning, not a failure', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t, { env: { NOTIFY_SOCKET: path.join(dir, 'nobody.sock') } });
  await w.waitForLog(/\[warn\] \d+#\d+ cannot notify the service manager: cannot notify .*nobody\.sock: sendto\(2\) failed: ENOENT/);
  t.is((await w.stop()).code, 0);
});
