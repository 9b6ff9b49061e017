// A configuration compiled for the router: listeners, settings, routes and
// their actions, upstream groups, applications and the access log, built
// once per configuration and shared by every request that starts while it
// is in force. Compiling finds every error before anything is switched.
import { ErrorCodes, WeftError } from '../../errors.js';
import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import '../../protocol/main.js';
import '../../protocol/application.js';
import { accessLogPath } from '../../request/access-log/access-log-format.js';
import type { AccessLogConfig, CompiledFormat } from '../../request/access-log/access-log-format.js';
import { AccessLogWriter } from '../../request/access-log/access-log-writer.js';
import type { CompiledAction } from '../../request/actions.js';
import { acceptingApplication, handoffApplications } from '../../request/accepting-application.js';
import { listenerPass, RequestEngine } from '../../request/engine.js';
import type { EngineView, ListenerConf, RawEngineConfig, RawListener } from '../../request/engine.js';
import type { CompiledRoutes } from '../../request/routing/index.js';
import { compileTemplate } from '../../request/routing/index.js';
import type { HttpSettings } from '../../request/settings.js';
import type { AppServing } from '../../protocol/application.js';
import type { AppDirectory, AppLimits } from './applications/app-directory.js';
import type { ListenerSpec } from './listeners/listener-set.js';
import type { ProxyTarget } from './proxy/proxy-target.js';
import type { Upstream } from './proxy/upstream.js';
import type { ShareHandler } from './share/index.js';
import type { TlsConfig, TlsServerSetup } from './tls/tls-listener.js';
import { nodeTls, proxyRequestCode, proxyTargetCode, shareCode, tlsListenerCode, upstreamCode } from './lazy-modules.js';

interface RawConfig extends RawEngineConfig {
  listeners?: Record<string, RawListener & { tls?: TlsConfig }>;
  upstreams?: Record<string, { servers: Record<string, { weight?: number }> }>;
  access_log?: AccessLogConfig;
}

export type RouterEngine = RequestEngine<ShareHandler, ProxyTarget>;

/** What a configuration needs from the router to come up. */
export interface RouterEnvironment {
  log: Logger;
  port: Port;
  mainPid: number;
  version: string;
  /** weftd's working directory: what a relative "share" is read from. */
  startDir?: string;
  directory: AppDirectory;
}

export class Configuration implements EngineView {
  readonly raw: RawConfig;
  /** What decides every request: the same in every process that accepts connections. */
  readonly engine: RouterEngine;
  readonly http: HttpSettings;
  readonly serverHeader: string;
  readonly listenerSpecs = new Map<string, ListenerSpec>();
  readonly listeners: Map<string, ListenerConf>;
  readonly routes: CompiledRoutes;
  readonly actions: Map<object, CompiledAction<ShareHandler, ProxyTarget>>;
  readonly upstreams = new Map<string, Upstream>();
  /** What dispatch needs of each application, by name. */
  readonly applications = new Map<string, AppLimits>();
  readonly directory: AppDirectory;
  /** Listeners whose connections the application processes accept themselves (the fast path), by app. */
  readonly direct = new Map<string, string[]>();
  /**
   * Listeners the router accepts whose client connections it may hand to
   * an application's processes (the applications, by listener address).
   */
  readonly handoff = new Map<string, Set<string>>();
  readonly log: Logger;
  /** TLS server options of each TLS listener, made in prepare(). */
  readonly tls = new Map<string, TlsServerSetup>();
  accessLog: { format: CompiledFormat; writer: AccessLogWriter | undefined } | undefined;
  #env: RouterEnvironment;
  #ownsAccessLog = false;
  /** main's token for this configuration's applications, between prepare and activate. */
  #appsToken: number | undefined;
  /** How each application's processes take requests (main's answer to the leading router's apps-prepare). */
  serving: Record<string, AppServing> = {};

  constructor(raw: RawConfig, env: RouterEnvironment) {
    this.raw = raw;
    this.#env = env;
    this.log = env.log;
    this.engine = new RequestEngine<ShareHandler, ProxyTarget>(raw, {
      log: env.log,
      version: env.version,
      share: (action, path, mimeTypes) =>
        shareCode().compileShare(action as never, {
          mimeTypes,
          compileTemplate: (text) => compileTemplate(text, `${path}/share`) as never,
          baseDir: env.startDir,
        }),
      // (The code that proxies loads with the configuration, not on the first request.)
      proxy: (address, path) => (proxyRequestCode(), proxyTargetCode().compileProxyTarget(address, path)),
    });
    this.http = this.engine.http;
    this.serverHeader = this.engine.serverHeader;
    this.listeners = this.engine.listeners;
    this.routes = this.engine.routes;
    this.actions = this.engine.actions;
    // A TLS listener's kind is set in prepare(), once its bundles are read.
    for (const [address, l] of Object.entries(raw.listeners ?? {}))
      this.listenerSpecs.set(address, { address, kind: 'http', backlog: l.backlog });
    for (const [name, u] of Object.entries(raw.upstreams ?? {})) {
      proxyRequestCode();
      this.upstreams.set(name, new (upstreamCode().Upstream)(name, u.servers));
    }
    this.directory = env.directory;
    for (const [name, app] of Object.entries(raw.applications ?? {})) this.applications.set(name, appLimits(app));

    if (this.engine.accessLogFormat) this.accessLog = { format: this.engine.accessLogFormat, writer: undefined };
  }

  /**
   * Everything that can fail before the switch: the access log opening,
   * applications starting. `previous` (the configuration in force) lends
   * what it has that this one can take over; it is not kept (a chain of
   * configurations each holding the one before would never be freed).
   * Without `serving`, this router leads: main starts the applications for
   * it and answers how they serve; a following router (another worker)
   * takes the leader's answer and leaves the applications to it.
   */
  async prepare(previous: Configuration | null, serving?: Record<string, AppServing>): Promise<void> {
    const secure = Object.entries(this.raw.listeners ?? {}).filter(([, l]) => l.tls !== undefined);
    if (secure.length > 0) {
      const { certificateNames, tlsSetup } = tlsListenerCode();
      const tls = nodeTls();
      const names = [...new Set(secure.flatMap(([, l]) => certificateNames(l.tls!)))];
      const { value } = await this.#env.port.call(this.#env.mainPid, 'main.cert-get', { names });
      for (const [address, l] of secure) {
        let setup: TlsServerSetup;
        try {
          setup = tlsSetup(l.tls!, value.bundles, (o) => tls.createSecureContext(o));
        } catch (e) {
          throw new WeftError(ErrorCodes.TLS_SETUP, `the TLS setup of listener "${address}" failed: ${(e as Error).message}`);
        }
        this.tls.set(address, setup);
        this.listenerSpecs.get(address)!.kind = setup.kind;
      }
    }
    if (this.accessLog) {
      const path = accessLogPath(this.raw.access_log!);
      const before = previous?.accessLog?.writer;
      if (before && before.path === path) {
        this.accessLog.writer = before;
      } else {
        const { fds } = await this.#env.port.call(this.#env.mainPid, 'main.open-log', { path });
        this.accessLog.writer = new AccessLogWriter(path, fds[0]);
        this.#ownsAccessLog = true;
      }
    }
    // Last: main starts what is new of the applications, and holds it until activate() or abandon().
    if (serving === undefined) {
      const { value } = await this.#env.port.call(this.#env.mainPid, 'main.apps-prepare', { applications: this.raw.applications ?? {} });
      this.#appsToken = value.token;
      serving = value.serving;
    }
    this.serving = serving;
    for (const [name, limits] of this.applications) limits.transport = serving[name]?.transport ?? 'http';
    // Listeners one application's processes accept themselves (the router
    // stands by), when they run the request engine.
    for (const [address, l] of Object.entries(this.raw.listeners ?? {})) {
      const app = directApplication(l, this.raw);
      if (app === undefined || serving[app]?.engine !== true) continue;
      this.listenerSpecs.get(address)!.kind = 'direct';
      this.direct.set(app, [...(this.direct.get(app) ?? []), address]);
    }
    // Listeners the router accepts that lead to applications running the
    // engine: their connections may go to those applications' processes.
    for (const [address, l] of Object.entries(this.raw.listeners ?? {})) {
      if (this.listenerSpecs.get(address)!.kind !== 'http') continue;
      const apps = [...handoffApplications(l, this.raw)].filter((app) => this.serving[app]?.engine === true);
      if (apps.length > 0) this.handoff.set(address, new Set(apps));
    }
  }

  /** Undoes prepare() when the configuration is not switched to after all. */
  abandon(): void {
    if (this.#ownsAccessLog) this.accessLog?.writer?.close();
    if (this.#appsToken !== undefined) this.#env.port.notify(this.#env.mainPid, 'main.apps-abandon', { token: this.#appsToken });
    this.#appsToken = undefined;
  }

  /** In force now: main retires the applications it dropped and gives the rest their direct listeners. */
  async activate(): Promise<void> {
    const token = this.#appsToken;
    if (token === undefined) {
      // A following router: the leader commits the applications.
      this.directory.forget(new Set(this.applications.keys()));
      return;
    }
    this.#appsToken = undefined;
    const raw = this.raw;
    await this.#env.port.call(this.#env.mainPid, 'main.apps-commit', {
      token,
      direct: Object.fromEntries(this.direct),
      // What application processes need to route: no TLS bundles, no upstreams; app names only.
      engine: {
        listeners: Object.fromEntries(
          Object.entries(raw.listeners ?? {}).map(([a, l]) => [a, { pass: listenerPass(l), forwarded: l.forwarded }]),
        ),
        routes: raw.routes,
        applications: Object.fromEntries(Object.keys(raw.applications ?? {}).map((name) => [name, {}])),
        settings: raw.settings,
        access_log: raw.access_log,
      },
      serverHeader: this.serverHeader,
    });
    this.directory.forget(new Set(this.applications.keys()));
  }

  /** No longer the configuration in force: release what only it used. */
  retire(next: Configuration): void {
    const mine = this.accessLog?.writer;
    if (mine && next.accessLog?.writer !== mine) mine.close();
    for (const u of this.upstreams.values()) u.close();
  }

  /** SIGUSR1: the access log file was rotated; main opens it again. */
  async reopenAccessLog(): Promise<void> {
    const writer = this.accessLog?.writer;
    if (!writer) return;
    const { fds } = await this.#env.port.call(this.#env.mainPid, 'main.open-log', { path: writer.path });
    writer.swap(fds[0]);
  }
}

/**
 * The application whose processes accept a listener themselves (see
 * request/accepting-application.ts); while it has none (it scaled to zero,
 * or cannot start), the router stands in (RouterState).
 */
function directApplication(l: RawListener & { tls?: unknown }, raw: RawConfig): string | undefined {
  return acceptingApplication(l, raw);
}

function appLimits(raw: unknown): AppLimits {
  const app = raw as { processes?: number | { max?: number }; limits?: { timeout?: number } };
  const p = app.processes ?? 1;
  return { max: typeof p === 'number' ? p : (p.max ?? 1), timeoutMs: (app.limits?.timeout ?? 0) * 1000, transport: 'http' };
}

export function compileConfiguration(raw: unknown, env: RouterEnvironment): Configuration {
  return new Configuration((raw ?? {}) as RawConfig, env);
}
