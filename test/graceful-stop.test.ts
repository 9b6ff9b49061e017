// SIGTERM (what Kubernetes sends a pod, what systemd sends a service) stops
// weftd gracefully: no new connection is accepted (new clients are refused,
// so a load balancer sends them elsewhere), every request in flight is
// answered, each answer closing its connection, within --stop-timeout; then
// weftd exits 0.
import net from 'node:net';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { NEVER_ANSWERED_RESET, startLoad } from './helpers/load.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/processes.js';
import { applyConfig } from './helpers/router.js';
import { startWeftd } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');

test('SIGTERM under keep-alive load: requests in flight are answered, new clients are refused, exit 0', async (t) => {
  const direct = await freePort();
  const routed = await freePort();
  const w = await startWeftd(t, { args: ['--stop-timeout', '20'] });
  await applyConfig(w, {
    listeners: {
      [`127.0.0.1:${direct}`]: { pass: 'applications/p' },
      // A pass the router resolves per request: the router stays in the path.
      [`127.0.0.1:${routed}`]: { pass: 'applications/p$arg_weft_unused' },
    },
    applications: { p: { type: 'node', script: path.join(apps, 'paced.js'), processes: 2 } },
  });
  // Each request takes a while, so that many are in flight when the signal comes.
  const load = startLoad(
    [
      { group: 'direct', port: direct, clients: 8, path: '/?ms=400' },
      { group: 'routed', port: routed, clients: 8, path: '/?ms=400' },
    ],
    { pauseAfterFailureMs: 100 },
  );
  t.teardown(() => void load.stop());
  await waitFor(() => load.stats.ok >= 40, 20000, 'the load under way');
  const before = load.stats.ok;
  const signalled = Date.now();
  w.process.kill('SIGTERM');
  const exit = await w.exited;
  const stats = await load.stop();
  t.deepEqual(exit, { code: 0, signal: null });
  t.true(stats.ok > before, 'requests in flight at the signal were answered');
  // What a stopped server gives new clients: refused connections, and
  // resets of connections the kernel had queued on a listening socket as
  // it closed (never accepted, never answered; every server that closes
  // its listeners does this). Nothing else may fail, and nothing before
  // the signal.
  const newClient = (kind: string): boolean => kind === 'ECONNREFUSED' || kind === NEVER_ANSWERED_RESET;
  const failures = stats.failures.filter((f) => !newClient(f.kind) || f.at < signalled);
  t.deepEqual(failures, [], `failures: ${JSON.stringify(stats.byKind)}`);
  t.regex(w.log(), /requests in flight have 20 s to finish/);
  t.notRegex(w.log(), /\[alert\]/);
});

test("SIGTERM with a router's keep-alive connections: an idle one is closed by the server after its grace, one whose next request comes meanwhile is answered with Connection: close", async (t) => {
  const port = await freePort();
  const w = await startWeftd(t, { args: ['--stop-timeout', '30', '--routers', '1'] });
  // A route the router answers itself: it holds these connections.
  await applyConfig(w, { listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } }, routes: [{ action: { return: 204 } }] });
  const idle = await openKeepAlive(t, port);
  const paced = await openKeepAlive(t, port);
  t.is(await idle.ask(), 'HTTP/1.1 204 No Content');
  t.is(await paced.ask(), 'HTTP/1.1 204 No Content');
  w.process.kill('SIGTERM');
  const draining = await w.waitForLog(/router draining: (\d+) connections open, (\d+) with a request in progress/);
  t.deepEqual([draining[1], draining[2]], ['2', '0'], 'both connections idle, held by the router');
  // After the sweep's first look (every 250 ms) and within its 1 s grace:
  // a sweep closing whatever is idle at that instant would have closed it.
  await new Promise((r) => setTimeout(r, 300));
  const answer = await paced.askHead();
  t.regex(answer, /^HTTP\/1\.1 204 No Content\r\n/);
  t.regex(answer, /\r\nconnection: close\r\n/i, 'the answer closes its connection');
  t.true(await idle.closedByServer, 'the idle connection was closed by the server');
  t.deepEqual(await w.exited, { code: 0, signal: null });
  t.notRegex(w.log(), /\[alert\]/);
});

/** A raw keep-alive connection: ask() sends a request and resolves with the status line of its answer. */
async function openKeepAlive(
  t: ExecutionContext,
  port: number,
): Promise<{ ask(): Promise<string>; askHead(): Promise<string>; closedByServer: Promise<boolean> }> {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffer = '';
  let waiting: ((head: string) => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    const end = buffer.indexOf('\r\n\r\n');
    if (end >= 0 && waiting) {
      const head = buffer.slice(0, end + 4);
      buffer = buffer.slice(end + 4);
      const w = waiting;
      waiting = undefined;
      w(head);
    }
  });
  socket.on('error', () => undefined);
  const closedByServer = new Promise<boolean>((resolve) => socket.once('end', () => resolve(true)).once('close', () => resolve(false)));
  const askHead = (): Promise<string> =>
    new Promise((resolve) => {
      waiting = resolve;
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    });
  return { ask: async () => (await askHead()).split('\r\n')[0], askHead, closedByServer };
}
