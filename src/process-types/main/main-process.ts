// The main process: the only privileged one. It daemonises, writes the pid
// file, opens the log, binds the control socket, starts discovery, the
// controller and the router together; it supervises them, binds listening sockets for
// the router, and stops everything on SIGQUIT/SIGTERM/SIGINT.
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { ErrorCodes, WeftError } from '../../errors.js';
import { defaultServices } from '../../kernel/services/default-services.js';
import { ENGINE_SERVICE } from '../../kernel/engine/event-engine.js';
import type { EventEngine } from '../../kernel/engine/event-engine.js';
import { ListenSockets } from '../../kernel/listen/listen-sockets.js';
import { Logger } from '../../kernel/log/logger.js';
import { MessageType } from '../../kernel/ports/message-type.js';
import { withFds } from '../../kernel/ports/methods.js';
import { Port } from '../../kernel/ports/port.js';
import { defaultEntry, ProcessManager } from '../../kernel/processes/process-manager.js';
import { Runtime } from '../../kernel/runtime.js';
import type { ServerOptions } from '../../kernel/runtime.js';
import { daemonReporter, dup2, lookupGroup, lookupUser, resolveCredentials, setProcessTitle } from '../../native/index.js';
import { packageRoot } from '../../paths.js';
import { VERSION } from '../../version.js';
import { makeValidator } from '../../config/config-validator.js';
import { validatorFor } from '../../config/schema.js';
import { schemaCodeDir, setSchemaCodeDir } from '../../config/schema-code-cache.js';
import { keepSchemaCode } from '../../config/schema-compile-thread.js';
import type { DiscoveryCache, ModuleInfo } from '../../protocol/discovery.js';
import '../../protocol/main.js';
import '../../protocol/controller.js';
import { AppLauncher } from './applications/app-launcher.js';
import { AppRegistry } from './applications/app-registry.js';
import { CertificateFiles } from './certificate-files.js';
import { ConfigState } from './config-state.js';
import { DiscoveryCacheFile, discoveryKey, PREBUILT_MODULES_FILE } from './discovery-cache.js';
import { processTypeRegistry } from '../index.js';
import type { PluginModule } from '../index.js';
import { checkReadableBy } from './install-check.js';
import { LogFile } from './log-file.js';
import { openForAppend } from './open-for-append.js';
import type { MainOptions } from './options.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { RouterScaling } from './router-scaling.js';
import { SystemdNotifier } from './systemd-notifier.js';
import { writeFileAtomicAsync } from './atomic-file.js';
import { METHOD_CALLERS } from '../../protocol/callers.js';
import { trimWhenQuiet } from '../../kernel/memory/trim-when-quiet.js';

/** What WEFT_PLUGINS modules may use in main (tests drive process types through it). */
export interface MainApi {
  runtime: Runtime;
  log: Logger;
  port: Port;
  processes: ProcessManager;
  listenSockets: ListenSockets;
}

interface MainPluginModule extends PluginModule {
  main?(api: MainApi): void | Promise<void>;
}

/** Discovery's niceness when nothing waits for it (see start()). */
const DISCOVERY_NICENESS = 10;

/** A promise settled from outside (main.conf-get waits on one that start() settles). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T | Promise<T>) => void } {
  let resolve!: (v: T | Promise<T>) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class MainProcess {
  readonly options: MainOptions;
  readonly log: Logger;
  readonly runtime: Runtime;
  readonly port: Port;
  readonly processes: ProcessManager;
  readonly listenSockets = new ListenSockets();
  modules: ModuleInfo[] = [];
  readonly config: ConfigState;
  readonly certificates: CertificateFiles;
  #logFile: LogFile;
  #configLoaded = deferred<void>();
  #firstApply: { promise: Promise<{ ok: boolean; detail?: string }>; resolve: (r: { ok: boolean; detail?: string }) => void };
  #control: { fd: number; path: string | undefined; address: string } | undefined;
  #pidWritten = false;
  #started = false;
  #quitting: Promise<void> | undefined;
  #plugins: string[];
  #engine: EventEngine;
  #systemd: SystemdNotifier | undefined;
  #apps: AppRegistry | undefined;
  #discoveryCache: DiscoveryCacheFile;
  #routers: RouterScaling;
  /** Takes what discovery reports (set by #discover). */
  #onModules: (modules: ModuleInfo[]) => void = () => undefined;

  constructor(options: MainOptions) {
    this.options = options;
    this.#logFile = new LogFile(options.log);
    this.log = new Logger({ fd: this.#logFile.fd, level: options.logLevel, format: options.logFormat, context: { process: 'main' } });
    const serverOptions: ServerOptions = {
      version: VERSION,
      titlePrefix: options.titlePrefix,
      user: options.user,
      group: options.group,
      stateDir: options.stateDir,
      tmpDir: options.tmpDir,
      modulesDir: options.modulesDir,
      logLevel: options.logLevel,
      logFormat: options.logFormat,
      engine: options.engine,
      threads: options.threads,
      noDaemon: options.noDaemon,
      control: options.control,
      startDir: options.startDir,
    };
    this.runtime = new Runtime('main', 'main', 'main', process.pid, process.pid, serverOptions, {});
    this.port = new Port(process.pid, this.log);
    // Application processes run user code beside their channel to main: main serves each method only to the types it is for.
    this.port.restrictCallers(METHOD_CALLERS);
    this.#systemd = SystemdNotifier.fromEnvironment(this.log);
    // Persisting a configuration is two or three fsyncs (tens of ms on a
    // busy disk, seconds on a sick one): they run on libuv's thread pool,
    // so main's loop (signals, process supervision, the control socket)
    // never waits on the disk. (A worker thread of the kernel's ThreadPool
    // did the same at the cost of a V8 isolate, ~10 MB, and the fds of its
    // own event loop; that pool is for CPU-bound JavaScript.)
    this.config = new ConfigState({
      stateDir: options.stateDir,
      configFile: options.config,
      writeBack: options.configWriteBack,
      log: this.log,
      write: writeFileAtomicAsync,
    });
    this.certificates = new CertificateFiles(options.stateDir);
    this.#discoveryCache = new DiscoveryCacheFile(options.stateDir, discoveryKey(options.modulesDir));
    let resolveFirst!: (r: { ok: boolean; detail?: string }) => void;
    this.#firstApply = { promise: new Promise((r) => (resolveFirst = r)), resolve: resolveFirst };
    this.#plugins = (process.env.WEFT_PLUGINS ?? '').split(',').filter(Boolean);
    // The engine is chosen by name like in every other process.
    this.#engine = defaultServices().get<EventEngine>(ENGINE_SERVICE, options.engine);
    this.processes = new ProcessManager({
      runtime: this.runtime,
      port: this.port,
      log: this.log,
      types: processTypeRegistry(this.#plugins),
      entry: defaultEntry(),
      typeModules: this.#plugins,
      logFd: () => this.#logFile.fd,
    });
    this.#routers = new RouterScaling(this.processes, this.port, this.log, {
      max: options.routers,
      auto: options.routersAuto,
      graceMs: options.stopTimeoutMs,
    });
  }

  /** Starts everything; resolves once the server is up. Throws (after cleaning up) when it cannot start. */
  async start(): Promise<void> {
    const { options, log } = this;
    setProcessTitle(this.#title());
    this.#installSignals();
    try {
      fs.mkdirSync(options.stateDir, { recursive: true, mode: 0o755 });
      writePidFile(options.pid, process.pid);
      this.#pidWritten = true;
      const creds = resolveCredentials(options.user, options.group);
      checkReadableBy(packageRoot, options.user, creds.uid, creds.gid);
      await this.#bindControlSocket();
      this.#serveKernelMethods();

      // Discovery, the controller and the router need main, not each other:
      // they start together. The configuration's schema needs the
      // application types: a restart assumes the modules the last start
      // found (same build, node binary and plugin directories; a first
      // start, those the build found), so the configuration, its
      // applications and the controller need not wait for discovery, which
      // runs at a lower priority and confirms them before the start is
      // complete; without such a list the configuration waits for it. The
      // controller asks for the configuration in its setup (main.conf-get
      // waits for it); the router gets it from the controller once both are
      // READY.
      setSchemaCodeDir(schemaCodeDir(options.stateDir));
      const kept = this.#discoveryCache.read(PREBUILT_MODULES_FILE);
      const assumed = kept.modules;
      // Assumed modules: discovery waits until the configuration is applied (it would take a core from what serves).
      const discovered = assumed
        ? this.#firstApply.promise.then(() => this.#discover(kept.cache, true))
        : this.#discover(kept.cache, false);
      discovered.catch(() => undefined);
      const loaded = (assumed ? Promise.resolve(assumed) : discovered).then(async (modules) => {
        this.modules = modules;
        await this.#loadConfig(modules);
        // Its applications start now, beside the controller and the router that will ask for them.
        this.#apps?.prestart((this.config.current as { applications?: Record<string, unknown> }).applications);
      });
      this.#configLoaded.resolve(loaded);
      // Its failure is reported below (with the file's line and column); until
      // the controller asks, nothing else listens, and an unhandled rejection
      // would end main with a stack trace instead.
      this.#configLoaded.promise.catch(() => undefined);
      const cores = [this.processes.start('controller'), ...this.#routers.start()];
      // A failure of one is reported after the configuration's own (the more useful reason).
      for (const p of cores) p.catch(() => undefined);
      await loaded;
      for (const p of cores) await p;
      const applied = await this.#firstApply.promise;
      if (!applied.ok && options.config !== undefined) {
        throw new WeftError(ErrorCodes.CONFIG_INVALID, `the configuration in ${options.config} could not be applied: ${applied.detail}`);
      }
      if (assumed) await this.#confirmModules(assumed, discovered);
      if (applied.ok && options.config !== undefined) await this.config.store(this.config.current);
      trimWhenQuiet();
      for (const file of this.#plugins) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await (require(file) as MainPluginModule).main?.(this.#api());
      }
    } catch (e) {
      await this.#cleanup();
      throw e;
    }
    this.#started = true;
    log.info(`${options.titlePrefix === 'unit' ? 'unit' : 'weft'} ${VERSION} started`);
    this.#systemd?.ready(this.config.current);
  }

  /** The log's fd now (it changes when the log is reopened). */
  get logFd(): number {
    return this.#logFile.fd;
  }

  #api(): MainApi {
    return { runtime: this.runtime, log: this.log, port: this.port, processes: this.processes, listenSockets: this.listenSockets };
  }

  #title(): string {
    // "unit: main v1.35.0 [argv]" is what tools written for Unit grep for.
    // The program's base name keeps the title within the argv area Node
    // can rewrite ("node /long/path/weftd ..." was that long).
    const { titlePrefix, argv } = this.options;
    return `${titlePrefix}: main v${VERSION} [${[path.basename(process.argv[1]), ...argv].join(' ')}]`;
  }

  async #bindControlSocket(): Promise<void> {
    const { options } = this;
    const uid = options.controlUser === undefined ? undefined : lookupUser(options.controlUser)?.uid;
    if (options.controlUser !== undefined && uid === undefined) {
      throw new WeftError(ErrorCodes.UNKNOWN_USER, `unknown user "${options.controlUser}" in --control-user`);
    }
    const gid = options.controlGroup === undefined ? undefined : lookupGroup(options.controlGroup)?.gid;
    if (options.controlGroup !== undefined && gid === undefined) {
      throw new WeftError(ErrorCodes.UNKNOWN_GROUP, `unknown group "${options.controlGroup}" in --control-group`);
    }
    const address = options.control;
    let socket;
    try {
      socket = await this.listenSockets.acquire(address, { mode: options.controlMode, uid, gid });
    } catch (e) {
      throw new WeftError(ErrorCodes.LISTEN, `cannot create the control socket: ${(e as Error).message}`, { cause: e });
    }
    this.#control = {
      fd: socket.fd,
      address,
      path: socket.address.kind === 'unix' && !socket.address.abstract ? socket.address.path : undefined,
    };
  }

  #confGet(): { config: unknown; modules: ModuleInfo[]; strict: boolean } {
    return {
      config: this.config.current,
      modules: this.modules,
      // A --config that cannot be applied fails the start; a stored one is dropped.
      strict: this.options.config !== undefined && !this.#started,
    };
  }

  #serveKernelMethods(): void {
    this.port.handle('main.control-socket', () => withFds({ address: this.#control!.address }, [this.#control!.fd]));
    this.port.handle('main.modules', ({ modules, cache }) => {
      this.#discoveryCache.write(modules, cache);
      this.#onModules(modules);
    });
    this.port.handle('main.conf-get', async () => {
      // A configuration that cannot be loaded is never answered: main stops the controller with everything else.
      await this.#configLoaded.promise.catch(() => new Promise(() => {}));
      return this.#confGet();
    });
    this.port.handle('main.conf-store', async ({ config }) => {
      await this.config.store(config);
      return {};
    });
    this.port.onNotify('main.conf-applied', (result) => this.#firstApply.resolve(result));
    this.port.onNotify('main.reconfiguring', (notice) => {
      this.#systemd?.reconfiguring(notice);
      trimWhenQuiet();
    });
    this.port.onNotify('main.router-listeners', ({ accepting }) => this.#routers.accepting(accepting));
    this.port.handle('main.listen', async ({ addresses, backlog }) => {
      const sockets = [];
      const fresh: string[] = [];
      try {
        for (const address of addresses) {
          const before = this.listenSockets.keys().length;
          const socket = await this.listenSockets.acquire(address, { backlog: backlog?.[address] });
          if (this.listenSockets.keys().length > before) fresh.push(socket.address.key);
          sockets.push(socket);
        }
      } catch (e) {
        // All or nothing: what this request bound goes again.
        for (const key of fresh) this.listenSockets.release(key);
        throw e;
      }
      return withFds(
        { ports: sockets.map((s) => s.port) },
        sockets.map((s) => s.fd),
      );
    });
    this.#apps = new AppRegistry({
      port: this.port,
      log: this.log,
      processes: this.processes,
      launcher: new AppLauncher(this),
      listenSockets: this.listenSockets,
      modules: () => this.modules,
    });
    this.port.handle('main.cert-list', () => ({ bundles: this.certificates.list() }));
    this.port.handle('main.cert-get', ({ names }) => ({ bundles: this.certificates.get(names) }));
    this.port.handle('main.cert-store', ({ name, pem }) => {
      this.certificates.store(name, pem);
      return {};
    });
    this.port.handle('main.cert-delete', ({ name }) => {
      this.certificates.delete(name);
      return {};
    });
    this.port.handle('main.open-log', ({ path: file }) => {
      let fd: number;
      try {
        fd = openForAppend(file);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new WeftError(ErrorCodes.FD, `cannot open the access log "${file}": ${err.code ?? err.message}`);
      }
      // Ours is closed once sent; the router holds its own copy.
      setImmediate(() => fs.closeSync(fd));
      return withFds({}, [fd]);
    });
    this.port.handle('main.listen-release', ({ keep }) => {
      const wanted = new Set(keep.map((a) => this.listenSockets.keyOf(a)));
      if (this.#control) wanted.add(this.listenSockets.keyOf(this.#control.address));
      this.listenSockets.retain(wanted);
      return {};
    });
  }

  /** Runs discovery; resolves with the modules it reported, once it exited. */
  async #discover(cache: DiscoveryCache, background: boolean): Promise<ModuleInfo[]> {
    let found: ModuleInfo[] = [];
    this.#onModules = (modules) => (found = modules);
    // Nothing waits for it when the modules are assumed: it yields the CPU to what serves.
    await this.processes.start('discovery', { cache }, [], background ? DISCOVERY_NICENESS : 0);
    // discovery reports, then exits: wait for that exit.
    await new Promise<void>((resolve) => {
      if (this.processes.ofType('discovery').length === 0) return resolve();
      const onExit = ({ entry }: { entry: { type: string } }): void => {
        if (entry.type !== 'discovery') return;
        this.processes.off('exit', onExit);
        resolve();
      };
      this.processes.on('exit', onExit);
    });
    return found;
  }

  /** Validates the configuration (--config's or the stored one) for these modules and takes it. */
  async #loadConfig(modules: ModuleInfo[]): Promise<void> {
    // When nothing kept fits these modules, ajv compiles in a thread, not in main's heap.
    const kept = await keepSchemaCode(modules);
    const certificates = new Set(Object.keys(this.certificates.list()));
    this.config.load(makeValidator({ appTypes: modules, defaultUser: this.options.user, certificates: () => certificates }));
    // Kept for the controller and the next start even when there was nothing to validate
    // (compiled here only when the thread could not).
    if (!kept) validatorFor(modules);
  }

  /**
   * A restart assumed the last start's modules; discovery's list must match.
   * When it does not (a plugin or an interpreter changed, the build did
   * not), the configuration is checked again with the real list (a
   * --config it no longer fits fails the start, as it would have without
   * the assumption) and the controller, which validated with the old list,
   * takes the new one (controller.modules).
   */
  async #confirmModules(assumed: ModuleInfo[], discovered: Promise<ModuleInfo[]>): Promise<void> {
    const found = await discovered;
    if (isDeepStrictEqual(found, assumed)) return;
    this.log.notice("the application modules differ from the last start's: the configuration is checked again");
    this.modules = found;
    await this.#loadConfig(found);
    // The controller validates with them from now on (a new one asks for them in its setup).
    for (const c of this.processes.ofType('controller')) this.port.notify(c.pid, 'controller.modules', { modules: found });
  }

  #installSignals(): void {
    for (const signal of ['SIGQUIT', 'SIGTERM', 'SIGINT'] as const) {
      this.#engine.onSignal(signal, () => void this.quit(signal));
    }
    this.#engine.onSignal('SIGUSR1', () => this.reopenLog());
    this.#engine.onSignal('SIGHUP', () => {});
  }

  /** SIGUSR1: reopen the log and hand the new fd to every process. */
  reopenLog(): void {
    // The router's access logs are opened here too, on its request.
    for (const r of this.processes.ofType('router')) this.port.notify(r.pid, 'router.reopen-logs', {});
    // And for application processes that accept their own listeners.
    this.#apps?.reopenAccessLog();
    let fd: number | undefined;
    // Which file was the log: application processes point whichever of their stdout and stderr was it at the new one.
    let was: { dev: string; ino: string } | undefined;
    try {
      const st = fs.fstatSync(this.#logFile.fd, { bigint: true });
      was = { dev: String(st.dev), ino: String(st.ino) };
    } catch {
      // (stderr closed: nothing to match)
    }
    try {
      fd = this.#logFile.reopen();
    } catch (e) {
      this.log.alert(`cannot reopen the log "${this.options.log}": ${(e as Error).message}`);
      return;
    }
    if (fd === undefined) return;
    this.log.fd = fd;
    if (!this.options.noDaemon) dup2(fd, 2);
    for (const p of this.port.peers()) this.port.send(p.pid, MessageType.CHANGE_FILE, { was }, { fds: [fd] });
    this.log.notice('the log was reopened');
  }

  /** Graceful quit: requests in flight finish (--stop-timeout), children stopped, sockets and pid file removed, exit 0. */
  quit(signal: string): Promise<void> {
    if (!this.#quitting) {
      this.#quitting = (async () => {
        this.log.notice(`${signal} received, exiting`);
        this.#systemd?.stopping(signal);
        await this.#drain();
        await this.#cleanup();
        process.exit(0);
      })();
    }
    return this.#quitting;
  }

  /**
   * No new connection is accepted anywhere (new clients are refused, and a
   * load balancer sends them elsewhere); every request in flight finishes,
   * each answer closing its connection, within --stop-timeout.
   */
  async #drain(): Promise<void> {
    const graceMs = this.options.stopTimeoutMs;
    if (graceMs <= 0 || !this.#started) return;
    this.log.notice(`requests in flight have ${graceMs / 1000} s to finish`);
    const deadline = Date.now() + graceMs;
    // main's own copies of the listening sockets go first (the control socket stays).
    const control = this.#control ? this.listenSockets.keyOf(this.#control.address) : undefined;
    this.listenSockets.retain(control === undefined ? [] : [control]);
    // The routers first: their requests still need application processes.
    const routers = this.processes.ofType('router').filter((r) => r.state === 'ready');
    await Promise.all(
      routers.map((r) => this.port.call(r.pid, 'router.drain', { graceMs }, { timeoutMs: graceMs + 2000 }).catch(() => undefined)),
    );
    // Then the applications (those that accept their own listeners stop now too).
    if (this.#apps) {
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, deadline - Date.now());
      await Promise.race([this.#apps.drain(left), new Promise((resolve) => (timer = setTimeout(resolve, left + 3000)))]);
      clearTimeout(timer);
    }
  }

  async #cleanup(): Promise<void> {
    // Application processes main started itself end beside the processes of the kernel's table.
    await Promise.all([this.#apps?.retireAll(), this.processes.quit()]);
    this.listenSockets.closeAll();
    if (this.#pidWritten) removePidFile(this.options.pid, process.pid);
    this.port.closeAll();
  }
}

/** weftd's main path: daemonise if asked, start, report to the launcher. */
export async function runMain(options: MainOptions): Promise<void> {
  const reporter = daemonReporter();
  let main: MainProcess | undefined;
  try {
    main = new MainProcess(options);
    await main.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    main?.log.alert(`weftd failed to start: ${message}`);
    if (reporter) reporter.fail(message);
    else process.stderr.write(`weftd: ${message}\n`);
    process.exit(1);
  }
  if (reporter) {
    reporter.ready();
    // Stray output (a crash trace) belongs in the log from now on.
    dup2(main.log.fd === 2 ? fs.openSync('/dev/null', 'w') : main.log.fd, 2);
  }
}
