// The kernel's dependency injection: process types get their services from
// their own container, so a test replaces any of them by registering
// another implementation, in a real weftd (WEFT_PLUGINS) or in-process.
import path from 'node:path';

import test from 'ava';

import { createProcessContainer, defaultServices } from '../src/kernel/container.js';
import { Logger } from '../src/kernel/log/logger.js';
import type { Port } from '../src/kernel/ports/port.js';
import { ConnectionMatrix } from '../src/kernel/processes/connection-matrix.js';
import { Runtime } from '../src/kernel/runtime.js';
import type { ServerOptions } from '../src/kernel/runtime.js';
import { ENGINE, LIFECYCLE, PROCESS_HOOKS, resolve, THREAD_POOL } from '../src/kernel/tokens.js';
import type { EventEngine } from '../src/kernel/engine/event-engine.js';
import { routerModule } from '../src/process-types/router/router-module.js';
import { ROUTER_STATE } from '../src/process-types/router/router-tokens.js';
import type { RouterState } from '../src/process-types/router/router-state.js';
import { put } from './helpers/control.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { startWeftd } from './helpers/weftd.js';

const options: ServerOptions = {
  version: '0.0.0',
  titlePrefix: 'weft',
  user: 'nobody',
  stateDir: '/nonexistent',
  tmpDir: '/tmp',
  logLevel: 'info',
  engine: 'libuv',
  threads: 2,
  noDaemon: true,
  control: 'unix:/nonexistent',
};

function kernel(port: Partial<Port>) {
  const runtime = new Runtime('router', 'router', 'router', process.pid, 1, options, {});
  const log = new Logger({ fd: 2, level: 'alert' });
  return createProcessContainer({ runtime, log, port: port as Port, services: defaultServices(), matrix: new ConnectionMatrix([]) });
}

/** A port that keeps the handlers a process type installs, to call them as a peer would. */
function fakePort() {
  const handlers = new Map<string, (params: never, ctx: never) => unknown>();
  const port = {
    handle: (method: string, h: (params: never, ctx: never) => unknown) => void handlers.set(method, h),
    onNotify: (method: string, h: (params: never, ctx: never) => unknown) => void handlers.set(method, h),
  };
  return { port: port as unknown as Partial<Port>, handlers };
}

test('the router hooks get the router state by injection: a registered stand-in receives the configuration and the stop', async (t) => {
  const { port, handlers } = fakePort();
  const c = kernel(port).createChildContainer();
  routerModule.register(c);
  const seen: unknown[] = [];
  const state = {
    prepare: async (config: unknown) => (seen.push(config), { serving: {}, accepting: false }),
    commit: async () => void seen.push('commit'),
    status: () => ({ connections: 7 }),
    listeners: { closeAll: () => seen.push('closed') },
  };
  c.register(ROUTER_STATE, { useValue: state as unknown as RouterState });
  const hooks = resolve(c, PROCESS_HOOKS);
  await hooks.setup!({} as never);
  t.deepEqual([...handlers.keys()].sort(), [
    'router.abandon',
    'router.commit',
    'router.drain',
    'router.metrics',
    'router.prepare',
    'router.relay',
    'router.reopen-logs',
    'router.status',
    'router.take-back',
  ]);
  t.deepEqual(await (handlers.get('router.prepare') as (p: unknown) => Promise<unknown>)({ config: { listeners: {} } }), {
    serving: {},
    accepting: false,
  });
  await (handlers.get('router.commit') as (p: unknown) => Promise<unknown>)({});
  t.deepEqual((handlers.get('router.status') as () => unknown)(), { connections: 7 });
  await hooks.stop!({} as never, 'test');
  t.deepEqual(seen, [{ listeners: {} }, 'commit', 'closed']);
});

test("a type's container shadows the kernel's services without changing them; the pool and lifecycle are one per process", (t) => {
  const root = kernel({});
  const scope = root.createChildContainer();
  const engine: EventEngine = { name: 'test', watchFd: () => () => {}, setTimer: () => () => {}, onSignal: () => () => {}, post: () => {} };
  scope.registerInstance(ENGINE, engine);
  t.is(resolve(scope, ENGINE).name, 'test');
  t.is(resolve(root, ENGINE).name, 'libuv');
  t.is(resolve(scope, THREAD_POOL), resolve(root, THREAD_POOL));
  t.is(resolve(scope, THREAD_POOL).size, 2, 'sized from the server options');
  t.is(resolve(scope, LIFECYCLE), resolve(root, LIFECYCLE));
});

test('WEFT_PLUGINS registrations replace services of discovery and the router in a real weftd', async (t) => {
  const plugins = path.join(__dirname, 'fixtures', 'replaced-services.js');
  const w = await startWeftd(t, { env: { WEFT_PLUGINS: plugins } });
  await w.waitForLog(/module: replaced 9\.9 "/);
  t.regex(w.log(), /module: node \S+ "/, 'what the real finder found is still there');
  const port = await freePort();
  const answer = await put(w.controlPath, '/config', {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { return: 204 } }],
    applications: {},
  });
  t.is(answer.status, 200, JSON.stringify(answer.body));
  const res = await request({ port }, '/');
  t.is(res.status, 204);
  t.is(res.headers['x-server-factory'], 'replaced');
});
