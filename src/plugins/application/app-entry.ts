// Preloaded (node --require) into every application process, before the
// user's code: the channel to the router, the process title, and the host
// that serves the app's listen() with what the router sends (listening
// sockets in direct mode, connections in routed mode). Nothing happens in a
// process that was not started by a prototype (no WEFT_APP), so node
// programs the app itself starts are left alone.
import 'reflect-metadata';

import { isMainThread } from 'node:worker_threads';

import { Logger } from '../../kernel/log/logger.js';
import type { LogFormat, LogLevel } from '../../kernel/log/format.js';
import { Port } from '../../kernel/ports/port.js';
import { setProcessTitle } from '../../native/index.js';
import { APP_ENV, CLIENT_HEADER } from './protocol.js';
import type { AppBoot } from './protocol.js';
import { AppHost } from './runtime/app-host.js';
import { takeOverMain } from './runtime/main-takeover.js';
import { clientView } from './client-view.js';

const ROUTER = 0;
/** How often the router hears how busy the process is (when it changed). */
const LOAD_INTERVAL_MS = 100;

function stripPreload(): void {
  const opts = process.env.NODE_OPTIONS;
  if (!opts) return;
  const cleaned = opts.replace(/--require\s+("[^"]*app-entry\.js"|\S*app-entry\.js)/, '').trim();
  if (cleaned) process.env.NODE_OPTIONS = cleaned;
  else delete process.env.NODE_OPTIONS;
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
  port.link({ pid: ROUTER, type: 'router', cls: 'router', name: 'router' }, boot.channelFd);
  // Without the router there is nothing to serve for.
  port.on('peer-closed', () => {
    log.info(`"${boot.name}" application: the router closed its channel; exiting`);
    process.exit(0);
  });
  // The channel keeps the process alive: a routed app holds no listening
  // socket of its own, only connections the router hands over.

  let requestLimit = 0;
  let retiring = false;
  const host = new AppHost({ log: (level, message) => log.log(level, `"${boot.name}" application: ${message}`) });
  host.install();
  // The host runs the app instead of node, so that a failure to load (a
  // missing file, a syntax error, a throw at start) reaches the router with
  // its reason. Not awaited: top-level await may never end.
  void takeOverMain().then((spec) =>
    host.loadApp(spec).catch((e: Error) => {
      port.notify(ROUTER, 'router.app-failed', { reason: e.message });
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
    port.notify(ROUTER, 'router.app-load', { active, total, direct });
  };
  const loadTimer = setInterval(reportLoad, LOAD_INTERVAL_MS);
  loadTimer.unref();

  const stop = async (graceMs: number): Promise<never> => {
    await host.stopAccepting({ drain: true });
    const timer = setTimeout(() => process.exit(0), graceMs);
    await host.drained();
    clearTimeout(timer);
    reportLoad();
    process.exit(0);
  };

  host.onRequest((req, res) => {
    // Routed connections (socketpairs) have no peer address: the router names the client.
    if (req.socket.remoteAddress === undefined) {
      const client = req.headers[CLIENT_HEADER];
      if (typeof client === 'string') {
        delete req.headers[CLIENT_HEADER];
        clientView(req, client);
      }
    }
    // limits.requests: after the last one, stop taking work and leave.
    if (requestLimit > 0 && !retiring && host.stats.total >= requestLimit) {
      retiring = true;
      res.once('close', () => void stop(30000));
    }
  });

  port.handle('app.serve', async ({ direct, serverHeader: header, requestLimit: limit, http: settings }, { fds }) => {
    host.setServerHeader(header);
    host.setDirectHttp(direct ? settings : undefined);
    requestLimit = limit;
    // The set of listeners is replaced: connections and requests in flight go on.
    await host.stopAccepting();
    if (direct) for (const fd of fds) await host.listenOn(fd);
    return {};
  });
  port.onNotify('app.adopt', (_params, { fds }) => {
    if (fds[0] !== undefined) host.adopt(fds[0]);
  });
  port.onNotify('app.stop', ({ graceMs }) => void stop(graceMs));

  // A failure while the app loads or starts reaches the router with its reason.
  let ready = false;
  process.on('uncaughtExceptionMonitor', (error) => {
    if (!ready) port.notify(ROUTER, 'router.app-failed', { reason: error instanceof Error ? error.message : String(error) });
  });
  host.serverReady(boot.startTimeoutMs).then(
    () => {
      ready = true;
      port.notify(ROUTER, 'router.app-ready', {});
    },
    (e: Error) => {
      port.notify(ROUTER, 'router.app-failed', { reason: e.message });
      setImmediate(() => process.exit(1));
    },
  );
}

// Preloads run again in every worker thread: only the main thread serves.
const raw = isMainThread ? process.env[APP_ENV] : undefined;
if (raw !== undefined) {
  delete process.env[APP_ENV];
  stripPreload();
  start(JSON.parse(raw) as AppBoot);
}
