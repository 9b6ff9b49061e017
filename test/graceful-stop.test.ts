// SIGTERM (what Kubernetes sends a pod, what systemd sends a service) stops
// weftd gracefully: no new connection is accepted (new clients are refused,
// so a load balancer sends them elsewhere), every request in flight is
// answered, each answer closing its connection, within --stop-timeout; then
// weftd exits 0.
import path from 'node:path';

import test from 'ava';

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
