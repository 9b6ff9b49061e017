// The application runtime changes nothing global that a plain Node app can
// observe: the same probe app (fixtures/apps/globals-probe.js) runs under
// plain node and under Weft, in direct and in routed mode, and reports what
// it sees of its process at load and while answering a request. The lists
// must match, except for the differences named below, each with its reason.
import { spawn } from 'node:child_process';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';

const PROBE = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'apps', 'globals-probe.js');

type Observations = Record<string, unknown>;
interface Report {
  atLoad: Observations;
  atRequest: Observations;
  [key: string]: unknown;
}

/**
 * Known and intended differences under Weft, and why a plain app cannot
 * tell them apart in behaviour:
 * - processEvents.uncaughtExceptionMonitor: app-entry reports an exception
 *   thrown while the app starts to main (a monitor listener observes, it
 *   never changes whether or how the process exits);
 * - processEvents.exit: one listener of the log writer's (native/log-writer.ts)
 *   flushes log lines still queued for Weft's writer thread; it sets no
 *   exit code and keeps nothing alive (a flush waits 5 s at most);
 * - otherCacheEntries: Weft's own runtime modules sit in require.cache
 *   (the app's own modules and node's resolution are untouched).
 */
function comparable(o: Observations): Observations {
  const c = { ...o };
  const events = { ...(c.processEvents as Record<string, number>) };
  delete events.uncaughtExceptionMonitor;
  if (events.exit !== undefined && --events.exit === 0) delete events.exit;
  c.processEvents = events;
  delete c.otherCacheEntries;
  return c;
}

async function underPlainNode(t: ExecutionContext): Promise<Report> {
  const port = await freePort();
  // Weft's own variables (the test runner's, e.g. WEFT_NODE_CACHE) never reach an app: not this one either.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT')));
  const child = spawn(process.execPath, [PROBE], { env: { ...env, PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let report: Report | undefined;
  await waitFor(
    async () => {
      try {
        report = JSON.parse((await request({ port }, '/')).text) as Report;
        return true;
      } catch {
        return false;
      }
    },
    15000,
    'the probe app under plain node',
  );
  return report!;
}

async function underWeft(t: ExecutionContext, routed: boolean): Promise<Report> {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: routed ? 'routes/probe' : 'applications/probe' } },
    routes: { probe: [{ match: { uri: '*' }, action: { pass: 'applications/probe$arg_weft_unused' } }] },
    applications: { probe: { type: 'node', script: PROBE, processes: 1, environment: { PORT: '0' } } },
  });
  return JSON.parse((await request({ port }, '/')).text) as Report;
}

for (const routed of [false, true]) {
  test(`a probe app sees the same process under Weft (${routed ? 'routed' : 'direct'}) as under plain node`, async (t) => {
    const [plain, weft] = await Promise.all([underPlainNode(t), underWeft(t, routed)]);
    // The reason a plain app could tell: reflect-metadata was preloaded into every app.
    t.is(weft.atLoad.reflectGetMetadata, 'undefined');
    for (const when of ['atLoad', 'atRequest'] as const) {
      const p = comparable(plain[when]);
      const w = comparable(weft[when]);
      for (const key of Object.keys(p)) {
        if (key === 'argv1') continue;
        t.deepEqual(w[key], p[key], `${when}.${key}`);
      }
      t.is(w.argv1, PROBE, `${when}.argv1`);
    }
    t.true(weft.responseIsServerResponse as boolean);
    t.true(weft.requestIsIncomingMessage as boolean);
  });
}
