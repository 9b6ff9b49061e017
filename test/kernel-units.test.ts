// Small kernel pieces: registry, lifecycle, process table, matrix, log
// format, addresses, command line.
import os from 'node:os';

import test from 'ava';

import { ErrorCodes, WeftError } from '../src/errors.js';
import { Lifecycle } from '../src/kernel/lifecycle/lifecycle.js';
import { parseListenAddress } from '../src/kernel/listen/address.js';
import { formatLogLine } from '../src/kernel/log/format.js';
import { Backoff, BACKOFF_MAX_MS, HEALTHY_MS } from '../src/kernel/processes/backoff.js';
import { ConnectionMatrix } from '../src/kernel/processes/connection-matrix.js';
import { processTypeRegistry } from '../src/process-types/index.js';
import { ProcessTable } from '../src/kernel/processes/process-table.js';
import { ProcessTypeRegistry } from '../src/kernel/process-types/process-type-registry.js';
import { ServiceRegistry } from '../src/kernel/services/service-registry.js';
import { parseCommandLine } from '../src/process-types/main/cli.js';

test('services by type and name; an unknown name lists what is registered', (t) => {
  const s = new ServiceRegistry();
  s.register('engine', 'libuv', { name: 'libuv' });
  s.register('engine', 'test', { name: 'test' });
  t.deepEqual(s.get('engine', 'test'), { name: 'test' });
  const e = t.throws(() => s.get('engine', 'epoll'), { instanceOf: WeftError });
  t.is(e!.message, 'unknown engine "epoll" (registered: "libuv", "test")');
  t.throws(() => s.register('engine', 'libuv', {}), { message: /already registered/ });
  t.is(t.throws(() => s.get('cache', 'x'))!.message, 'unknown cache "x" (registered: none)');
});

test('backoff: the first death of a series restarts at once, later young deaths wait 100 ms doubling; a healthy life starts over', (t) => {
  const b = new Backoff();
  const young = [0, 1, 2, 3, 4].map(() => b.next(50));
  t.deepEqual(young, [0, 100, 200, 400, 800]);
  t.true(b.repeated, 'it keeps crashing');
  t.is(b.next(HEALTHY_MS), 0, 'a process that had been healthy');
  t.false(b.repeated);
  t.is(b.next(50), 100);
  for (let i = 0; i < 20; i++) b.next(50);
  t.is(b.next(50), BACKOFF_MAX_MS);
  b.reset();
  t.is(b.next(50), 0);
});

test('lifecycle: phases in order, stop in reverse', async (t) => {
  const calls: string[] = [];
  const l = new Lifecycle();
  for (const name of ['a', 'b']) {
    l.register({
      name,
      configure: () => void calls.push(`${name}.configure`),
      setup: () => void calls.push(`${name}.setup`),
      start: () => void calls.push(`${name}.start`),
      stop: () => void calls.push(`${name}.stop`),
    });
  }
  await l.start();
  t.is(l.phase, 'started');
  t.deepEqual(await l.stop('test'), []);
  t.deepEqual(calls, ['a.configure', 'b.configure', 'a.setup', 'b.setup', 'a.start', 'b.start', 'b.stop', 'a.stop']);
});

test('lifecycle: a failed start rolls back what came up, and the error says both', async (t) => {
  const calls: string[] = [];
  const l = new Lifecycle();
  l.register({ name: 'db', setup: () => void calls.push('db.setup'), stop: () => void calls.push('db.stop') });
  l.register({
    name: 'http',
    setup: () => void calls.push('http.setup'),
    start: () => {
      throw new Error('EADDRINUSE');
    },
    stop: () => {
      calls.push('http.stop');
      throw new Error('socket already gone');
    },
  });
  l.register({ name: 'never', setup: () => void calls.push('never.setup') });
  const e = await t.throwsAsync(l.start(), { instanceOf: WeftError });
  t.is(e!.message, 'http: start failed: EADDRINUSE; rolling back also failed: http: stop failed: socket already gone');
  t.deepEqual(calls, ['db.setup', 'http.setup', 'never.setup', 'http.stop', 'db.stop']);
  t.is(l.phase, 'failed');
});

test('lifecycle: registering late or twice is refused', async (t) => {
  const l = new Lifecycle();
  l.register({ name: 'a' });
  t.throws(() => l.register({ name: 'a' }), { message: '"a" is registered twice' });
  await l.start();
  t.throws(() => l.register({ name: 'b' }), { message: /after start-up began/ });
});

test('process table: reference counting keeps an exited entry while it is used', (t) => {
  const table = new ProcessTable();
  table.add({ pid: 10, type: 'router', cls: 'router', name: 'router' }, 'ready');
  table.use(10, 1); // a pending request holds it
  table.exited(10);
  t.is(table.get(10)?.state, 'exited');
  t.deepEqual(table.ofType('router'), [], 'an exited process is not offered for work');
  table.use(10, -1);
  t.is(table.get(10), undefined);
});

test("connection matrix as in REFERENCE.md, from the rows Weft's process types declare", (t) => {
  const matrix = processTypeRegistry().matrix();
  const connects = (a: string, b: string): boolean => matrix.connects(a, b);
  const classes = ['main', 'discovery', 'controller', 'router', 'app'] as const;
  const expected = [
    [1, 1, 1, 1, 1],
    [1, 0, 0, 0, 0],
    [1, 0, 0, 1, 0],
    [1, 0, 1, 0, 1],
    [1, 0, 0, 1, 0],
  ];
  const actual = classes.map((from) => classes.map((to) => (connects(from, to) ? 1 : 0)));
  t.deepEqual(actual, expected);
  t.deepEqual(matrix.peersOf('router').sort(), ['app', 'controller']);
});

test('a channel needs both rows to name each other; rows of one class add up', (t) => {
  const m = new ConnectionMatrix([
    { cls: 'a', peers: ['b'] },
    { cls: 'b', peers: [] },
    { cls: 'c', peers: ['a'] },
    { cls: 'a', peers: ['c'] },
  ]);
  t.false(m.connects('a', 'b'), 'b does not name a');
  t.true(m.connects('a', 'c'));
  t.true(m.connects('c', 'a'));
  t.true(m.connects('b', 'main'), 'main connects to every class');
  t.deepEqual(m.peersOf('a'), ['c']);
});

test('process types register under process.<type>; malformed and duplicate ids fail loudly', (t) => {
  const r = new ProcessTypeRegistry();
  const def = {
    id: 'process.router',
    type: 'router',
    cls: 'router' as const,
    peers: [],
    handshake: 'ready' as const,
    restart: true,
    privileged: false,
    name: () => 'router',
    load: async () => ({ register: () => undefined }),
  };
  r.register(def);
  t.throws(() => r.register(def), { message: 'process type "router" is registered twice' });
  t.throws(() => r.register({ ...def, id: 'router', type: 'x' }), { message: /malformed process type id "router"/ });
  t.is(t.throws(() => r.get('nope'))!.message, 'unknown process type "nope" (registered: router)');
});

test("log lines look like Unit's", (t) => {
  const d = new Date(2026, 10, 27, 5, 3, 37);
  t.is(formatLogLine('info', 9265, 9265, 'unit 1.35.0 started', d), '2026/11/27 05:03:37 [info] 9265#9265 unit 1.35.0 started\n');
  t.is(formatLogLine('error', 1, 2, 'two\nlines\n', d), '2026/11/27 05:03:37 [error] 1#2 two\n    lines\n');
});

test('listener addresses parse as Unit parses them', (t) => {
  t.deepEqual(parseListenAddress('127.0.0.1:8080'), { kind: 'inet', host: '127.0.0.1', port: 8080, key: '127.0.0.1:8080' });
  t.deepEqual(parseListenAddress('*:80'), { kind: 'inet', host: '*', port: 80, key: '*:80' });
  t.deepEqual(parseListenAddress('[0:0::1]:443'), { kind: 'inet6', host: '::1', port: 443, key: '[::1]:443' });
  t.deepEqual(parseListenAddress('unix:/run/app.sock'), {
    kind: 'unix',
    path: '/run/app.sock',
    abstract: false,
    key: 'unix:/run/app.sock',
  });
  t.deepEqual(parseListenAddress('unix:@weft'), { kind: 'unix', path: 'weft', abstract: true, key: 'unix:@weft' });
  const bad: Array<[string, RegExp]> = [
    ['8080', /the port is missing/],
    ['127.0.0.1:0', /port must be a number from 1 to 65535/],
    ['127.0.0.1:65536', /port must be/],
    ['localhost:80', /"localhost" is not an IPv4 address/],
    ['[::1:80', /no closing "\]"/],
    ['[::1]', /the port is missing/],
    ['[zz]:80', /not an IPv6 address/],
    ['unix:', /the socket name is empty/],
    ['unix:relative.sock', /must be absolute/],
    [`unix:/${'x'.repeat(120)}`, /too long/],
  ];
  for (const [address, message] of bad) {
    const e = t.throws(() => parseListenAddress(address), { message });
    t.is((e as WeftError).code, ErrorCodes.LISTEN_ADDRESS, address);
  }
});

test('the command line: defaults, values and errors', (t) => {
  const r = parseCommandLine(['--no-daemon', '--control', '127.0.0.1:9000', '--control-mode', '0660', '--user', 'www']);
  t.is(r.kind, 'run');
  if (r.kind !== 'run') return;
  t.is(r.options.control, '127.0.0.1:9000');
  t.is(r.options.controlMode, 0o660);
  t.is(r.options.user, 'www');
  t.is(r.options.log, undefined, 'stderr in --no-daemon mode');
  t.is(r.options.titlePrefix, 'weft');
  const daemon = parseCommandLine([]);
  t.is(daemon.kind === 'run' && daemon.options.log, '/var/log/weft.log');
  const relative = parseCommandLine(
    ['--config', 'c.json', '--pid', 'run/w.pid', '--statedir', '/abs', '--control', 'unix:c.sock'],
    '/srv/site',
  );
  t.like(relative.kind === 'run' ? relative.options : {}, {
    config: '/srv/site/c.json',
    pid: '/srv/site/run/w.pid',
    stateDir: '/abs',
    control: 'unix:/srv/site/c.sock',
    startDir: '/srv/site',
  });
  const abstract = parseCommandLine(['--control', 'unix:@weft'], '/srv');
  t.is(abstract.kind === 'run' && abstract.options.control, 'unix:@weft');
  t.deepEqual(parseCommandLine(['-h']), { kind: 'help' });
  t.deepEqual(parseCommandLine(['--version']), { kind: 'version', titlePrefix: 'weft' });
  t.deepEqual(parseCommandLine(['--title-prefix', 'unit', '--version']), { kind: 'version', titlePrefix: 'unit' });
  t.throws(() => parseCommandLine(['--control-mode', '999']), { message: /octal mode/ });
  t.throws(() => parseCommandLine(['--threads', '0']), { message: /from 1 to 64/ });
  t.throws(() => parseCommandLine(['--routers', '0']), { message: 'option "--routers" requires "auto" or a number from 1 to 16' });
  t.throws(() => parseCommandLine(['--routers', 'two']), { message: /--routers/ });
  const routersOf = (args: string[]) => {
    const r = parseCommandLine(args);
    return r.kind === 'run' ? { routers: r.options.routers, auto: r.options.routersAuto } : undefined;
  };
  t.deepEqual(routersOf(['--routers', '3']), { routers: 3, auto: false });
  // auto, the default: up to one per CPU (16 at most), as many as the configuration needs.
  const perCpu = Math.min(os.availableParallelism(), 16);
  t.deepEqual(routersOf([]), { routers: perCpu, auto: true });
  t.deepEqual(routersOf(['--routers', 'auto']), { routers: perCpu, auto: true });
  t.throws(() => parseCommandLine(['--config-write-back']), { message: /requires "--config"/ });
  t.throws(() => parseCommandLine(['-x']), { message: 'unknown option "-x", try "weftd -h" for available options' });
});
