// Preloaded (node --require) into every application process, before the
// user's code: the channel to main (and, through main, to the routers), the
// process title, and the host that serves the app's listen() with what it
// is sent (listening sockets from main in direct mode, connections from a
// router in routed mode). Nothing happens in a
// process that was not started by a prototype (no WEFT_APP), so node
// programs the app itself starts are left alone.
// No reflect-metadata here: nothing this process loads uses decorators, and
// it would add Reflect.getMetadata & co. to the user's app (see
// test/app-globals.test.ts).

import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

import { Logger } from '../kernel/log/logger.js';
import type { LogFormat, LogLevel } from '../kernel/log/format.js';
import { decodeJson } from '../kernel/ports/message.js';
import { MessageType } from '../kernel/ports/message-type.js';
import { Port } from '../kernel/ports/port.js';
import type { ProcessInfo } from '../kernel/processes/process-table.js';
import { dup2, mapShared, setProcessTitle } from '../native/index.js';
import { APP_ENV, CLIENT_HEADER } from '../protocol/application.js';
import { HIDE_ENV } from '../node-internals/node-internal.js';
import type { AppBoot } from '../protocol/application.js';
import { AppHost } from './host/app-host.js';
import { takeOverMain } from './host/main-takeover.js';
import { clientView } from './client-view.js';
import { AccessLogWriter } from '../request/access-log/access-log-writer.js';
import { Edge } from './edge/edge.js';
import { Relay } from './edge/relay.js';
import { RequestMetrics } from '../request/request-metrics.js';
import { METHOD_CALLERS } from '../protocol/callers.js';
import { trimWhenQuiet } from '../kernel/memory/trim-when-quiet.js';

/** Where a routed connection's requests are counted. */
const READS = Symbol('weft.reads');
/** A connection a router routed here (a socketpair): the only kind whose client the router names. */
const ROUTED = Symbol('weft.routed');
type CountedSocket = import('node:net').Socket & { [READS]?: { table: Int32Array; slot: number }; [ROUTED]?: true };

/** How often main hears how busy the process is (when it changed). */
const LOAD_INTERVAL_MS = 100;

function stripPreload(): void {
  const opts = process.env.NODE_OPTIONS;
  if (!opts) return;
  const cleaned = opts.replace(/--require\s+("[^"]*app-entry\.js"|\S*app-entry\.js)/, '').trim();
  if (cleaned) process.env.NODE_OPTIONS = cleaned;
  else delete process.env.NODE_OPTIONS;
}

/**
 * The app's process.execArgv as node would have it without Weft: the
 * preload is dropped, so that neither the app nor the node processes it
 * forks (child_process.fork passes execArgv on) see Weft's runtime.
 */
function stripPreloadArg(): void {
  const argv = process.execArgv;
  for (let i = argv.length - 1; i >= 0; i--) {
    if (/app-entry\.js$/.test(argv[i]) && (argv[i - 1] === '--require' || argv[i - 1] === '-r')) argv.splice(i - 1, 2);
    else if (/^(--require|-r)=.*app-entry\.js$/.test(argv[i])) argv.splice(i, 1);
  }
}

function start(boot: AppBoot): void {
  const log = new Logger({
    fd: 2,
    level: boot.logLevel as LogLevel,
    format: boot.logFormat as LogFormat | undefined,
    context: { process: 'application', app: boot.name },
  });
  setProcessTitle(`${boot.titlePrefix}: "${boot.name}" application`);
  const port = new Port(process.pid, log);
  port.restrictCallers(METHOD_CALLERS);
  const MAIN = boot.mainPid;
  port.kernelMessagesOnlyFrom(MAIN);
  port.link({ pid: MAIN, type: 'main', cls: 'main', name: 'main' }, boot.channelFd);
  // Without main there is nothing to serve for. A router that goes costs
  // only the connections it handed over; its successor gets a new channel.
  port.on('peer-closed', (peer) => {
    if (peer.pid !== MAIN) return;
    log.info(`"${boot.name}" application: main closed its channel; exiting`);
    process.exit(0);
  });
  // weftd's log was reopened (SIGUSR1 after logrotate): stdout and stderr that were the old file become the new one.
  port.onMessage(MessageType.CHANGE_FILE, (m) => {
    const [fd] = m.fds;
    if (fd === undefined) return;
    const { was } = decodeJson<{ was?: { dev: string; ino: string } }>(m);
    for (const target of [1, 2]) {
      try {
        const st = fs.fstatSync(target, { bigint: true });
        if (was && String(st.dev) === was.dev && String(st.ino) === was.ino) dup2(fd, target);
      } catch {
        // closed: nothing to point
      }
    }
    fs.closeSync(fd);
  });
  port.onMessage(MessageType.NEW_PORT, (m) => {
    const { peer } = decodeJson<{ peer: ProcessInfo }>(m);
    if (m.fds[0] !== undefined) port.link(peer, m.fds[0]);
  });
  // The channel keeps the process alive: a routed app holds no listening
  // socket of its own, only connections the router hands over.

  const metrics = new RequestMetrics();
  let requestLimit = 0;
  let retiring = false;
  let serving = '';
  const host = new AppHost({ log: (level, message) => log.log(level, `"${boot.name}" application: ${message}`) });
  try {
    host.install();
  } catch (e) {
    // A Node that lacks an internal the host needs: said once, with its code, before any user code ran.
    const code = (e as { code?: string }).code;
    // Written out before main hears of it: main stops a failed process at once.
    log.error(`"${boot.name}" application: ${(e as Error).message}`, { code });
    log.flush(1000);
    port.notify(MAIN, 'main.app-failed', { reason: (e as Error).message, code });
    setImmediate(() => process.exit(1));
    return;
  }
  // The host runs the app instead of node, so that a failure to load (a
  // missing file, a syntax error, a throw at start) reaches the router with
  // its reason. Not awaited: top-level await may never end.
  void takeOverMain((why) => log.warn(`"${boot.name}" application: ${why}`, { code: 'WEFT_ERR_NODE_INTERNAL_FALLBACK' })).then((spec) =>
    host.loadApp(spec).catch((e: Error) => {
      port.notify(MAIN, 'main.app-failed', { reason: e.message });
      log.error(`"${boot.name}" application: ${e.message}`, { code: (e as { code?: string }).code });
      setImmediate(() => process.exit(1));
    }),
  );

  // Load reports: a few times a second, only when something changed, and
  // no work at all on the request path.
  let reported = '';
  const reportLoad = (): void => {
    const { active, total } = host.stats;
    const direct = { ...host.directStats };
    const now = `${active} ${total} ${direct.accepted} ${direct.closed} ${direct.active}`;
    if (now === reported) return;
    reported = now;
    port.notify(MAIN, 'main.app-load', { active, total, direct });
  };
  const loadTimer = setInterval(reportLoad, LOAD_INTERVAL_MS);
  loadTimer.unref();

  const stop = async (graceMs: number): Promise<never> => {
    await host.stopAccepting({ drain: true });
    const timer = setTimeout(() => leave(), graceMs);
    await host.drained();
    clearTimeout(timer);
    reportLoad();
    return leave();
  };
  // What it counted goes to main before it exits; a queued message gets a moment to leave.
  const leave = (): never => {
    const sent = port.notify(MAIN, 'main.app-metrics-final', { snapshot: metrics.registry.snapshot() });
    if (sent) process.exit(0);
    setTimeout(() => process.exit(0), 200);
    return undefined as never;
  };

  host.onRequest((req, res) => {
    const reads = (req.socket as CountedSocket)[READS];
    if (reads !== undefined) reads.table[reads.slot]++;
    // Routed connections (socketpairs) have no peer address: the router
    // names the client. Only those: a client of a unix listener this
    // process accepts on also has none, and must not name itself.
    if ((req.socket as CountedSocket)[ROUTED] === true) {
      const client = req.headers[CLIENT_HEADER];
      if (typeof client === 'string') {
        delete req.headers[CLIENT_HEADER];
        clientView(req, client);
      }
    }
    // limits.requests: after the last one, it takes no more work (main
    // starts a replacement) and leaves once what it holds is done.
    if (requestLimit > 0 && !retiring && host.stats.total >= requestLimit) {
      retiring = true;
      port.notify(MAIN, 'main.app-retire', {});
      res.once('close', () => void stop(30000));
    }
  });

  // The request engine for the listeners it accepts on itself (none in routed mode).
  const relay = new Relay(port);
  port.onNotify('app.router-retiring', ({ pid }) => relay.retiring(pid));
  port.handle('app.metrics', () => ({ snapshot: metrics.registry.snapshot() }));
  let edge: Edge | null = null;
  host.onResponse({ head: (res) => edge?.head(res), end: (res) => edge?.end(res) });
  port.handle('app.serve', async (params, { fds }) => {
    const listenerFds = fds.slice(0, params.listeners.length);
    const logFd = params.accessLog ? fds[params.listeners.length] : undefined;
    host.setServerHeader(params.serverHeader);
    requestLimit = params.requestLimit;
    edge?.close();
    edge = null;
    if (params.engine) {
      edge = new Edge({
        app: params.app,
        engine: params.engine,
        log,
        version: boot.version,
        serverHeader: params.serverHeader,
        accessLog: logFd === undefined ? undefined : new AccessLogWriter('', logFd),
        timeoutMs: params.timeoutMs,
        relay,
        metrics,
        timedOut: () => {
          // Unit restarts a process that held a request past limits.timeout: main replaces this one.
          port.notify(MAIN, 'main.app-timeout', { app: params.app });
        },
      });
    } else if (logFd !== undefined) {
      closeQuietly(logFd);
    }
    host.setEdge(edge);
    // The same listeners again (a new router, a change elsewhere): nothing to do.
    const wanted = params.listeners.join(' ');
    if (wanted === serving) {
      for (const fd of listenerFds) closeQuietly(fd);
      return {};
    }
    serving = wanted;
    // The set of listeners is replaced: connections and requests in flight go on.
    await host.stopAccepting();
    for (let i = 0; i < listenerFds.length; i++) await host.listenOn(listenerFds[i], { tag: params.listeners[i] });
    return {};
  });
  port.onNotify('app.access-log', (_params, { fds }) => {
    if (fds[0] === undefined) return;
    if (edge) edge.swapAccessLog(fds[0]);
    else closeQuietly(fds[0]);
  });
  // Each router counts, in memory shared with this process, the requests
  // it has read on each routed connection (see 'app.counters').
  const counters = new Map<number, Int32Array>();
  port.onNotify('app.counters', ({ slots }, { from, fds }) => {
    if (fds[0] === undefined) return;
    try {
      counters.set(from, new Int32Array(mapShared(fds[0], slots * 4)));
    } finally {
      closeQuietly(fds[0]);
    }
  });
  port.on('peer-closed', (peer) => counters.delete(peer.pid));
  port.onNotify('app.adopt', ({ slot }, { from, fds }) => {
    if (fds[0] === undefined) return;
    const table = counters.get(from);
    const counted = table !== undefined && slot >= 0 && slot < table.length;
    host.adopt(fds[0], (socket: CountedSocket) => {
      socket[ROUTED] = true;
      if (counted) socket[READS] = { table, slot };
    });
  });
  // A client's connection the router accepted and routed here (its first
  // request is this app's): served as if accepted here. One this process
  // cannot serve (the listener is not in its engine yet, or no more; its
  // app closed its server) goes back to the router untouched.
  port.onNotify('app.take-connection', ({ address, head }, { from, fds }) => {
    const fd = fds[0];
    if (fd === undefined) return;
    if (!edge?.engine.listeners.has(address) || !host.adoptAccepted(fd, address, Buffer.from(head, 'base64'))) {
      port.notify(from, 'router.take-back', { address, head }, [fd]);
      closeQuietly(fd);
    }
  });
  port.onNotify('app.stop', ({ graceMs }) => void stop(graceMs));

  // A failure while the app loads or starts reaches the router with its reason.
  let ready = false;
  process.on('uncaughtExceptionMonitor', (error) => {
    if (!ready) port.notify(MAIN, 'main.app-failed', { reason: error instanceof Error ? error.message : String(error) });
  });
  host.serverReady(boot.startTimeoutMs).then(
    () => {
      ready = true;
      port.notify(MAIN, 'main.app-ready', {});
      trimWhenQuiet();
    },
    (e: Error) => {
      port.notify(MAIN, 'main.app-failed', { reason: e.message });
      setImmediate(() => process.exit(1));
    },
  );
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

// Preloads run again in every worker thread: only the main thread serves.
const raw = isMainThread ? process.env[APP_ENV] : undefined;
if (raw !== undefined) {
  delete process.env[APP_ENV];
  // Read by the probes already (node-internals/node-internal.ts): not the app's business.
  delete process.env[HIDE_ENV];
  stripPreload();
  stripPreloadArg();
  start(JSON.parse(raw) as AppBoot);
}
