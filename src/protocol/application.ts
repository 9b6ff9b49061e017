// The contract between main (which supervises applications), routers,
// prototypes and application processes: every method they call on each
// other about applications, and the types those methods carry.
//
// Who talks to whom:
//   router     -> main        apps-prepare / apps-commit / apps-abandon around each configuration,
//                             app-demand (requests wait), app-timeout (limits.timeout hit)
//   controller -> main        app-restart, apps-status
//   main       -> prototype   spawn, kill (apps with namespaces or a rootfs; main
//                             starts the processes of other apps itself)
//   prototype  -> main        app-exited
//   main       -> app         serve (listening fds of its direct listeners), stop
//   app        -> main        app-ready, app-failed, app-load, app-retire
//   main       -> router      app-process (a channel to a new process), app-state, app-failing
//   router     -> app         adopt (a connection to serve, routed mode), take-connection
//                             (a client's own connection, its first request routed to the app)
//   app        -> router      relay (a client's requests for the router), take-back
import path from 'node:path';

import type { Application } from '../config/types.js';
import type { ResolvedCredentials } from '../native/index.js';
import type { MetricsSnapshot } from '../metrics/index.js';
import type { RawEngineConfig } from '../request/engine.js';
import { bundled, bundleDir, compiledRoot } from '../paths.js';

// What main needs of the plugin API to start an application's processes itself.
export type { AppPlugin, LaunchSpec, PluginContext } from './plugin-api.js';

/**
 * Weft's application runtime, preloaded into a Node app's processes (by
 * whoever starts them: main, or a prototype, where a rootfs moves it).
 */
export const APP_RUNTIME_ENTRY = bundled ? path.join(bundleDir, 'app-entry.js') : path.join(compiledRoot, 'app-runtime', 'app-entry.js');

/** What an application process counted on connections it accepted itself (/status shows it). */
export interface DirectStats {
  accepted: number;
  closed: number;
  /** Requests that came in on direct connections. */
  requests: number;
  /** Of those, in progress now (about the number of busy direct connections). */
  active: number;
}

export function emptyDirectStats(): DirectStats {
  return { accepted: 0, closed: 0, requests: 0, active: 0 };
}

export interface ServeParams {
  /**
   * The listeners it accepts on itself: the first fds attached are their
   * listening sockets, in this order (the same set again changes nothing).
   */
  listeners: string[];
  /**
   * The request engine's configuration (every listener, routes, settings,
   * access log) for a process that runs the engine; null: none.
   */
  engine: RawEngineConfig | null;
  /** Its application's name (a pass to it is served in place). */
  app: string;
  /** An access log: its fd comes after the listening sockets. */
  accessLog: boolean;
  serverHeader: string;
  /** Requests after which the process asks to be replaced (limits.requests), or 0. */
  requestLimit: number;
  /** limits.timeout in ms (0: none), for the requests it takes itself. */
  timeoutMs: number;
}

/** What a router asks of main for its configuration's applications. */
export interface AppsCommitParams {
  token: number;
  /** App name -> the listener addresses its processes accept on themselves. */
  direct: Record<string, string[]>;
  /** The engine's part of the configuration (what application processes need to route). */
  engine: RawEngineConfig;
  serverHeader: string;
}

export interface ApplicationStatus {
  processes: { running: number; starting: number; idle: number };
  requests: { active: number };
}

/** What main knows of applications, for /status. */
export interface AppsStatus {
  applications: Record<string, ApplicationStatus>;
  /** Traffic application processes took on their own listeners (the router never saw it). */
  direct: DirectStats;
}

export type AppProcessState = 'starting' | 'ready' | 'stopping' | 'gone';

/** How an application's processes take requests (from its plugin: ModuleInfo.serving). */
export interface AppServing {
  /** They run Weft's request engine: they may accept a listener themselves. */
  engine: boolean;
  /** What a router speaks to them. */
  transport: 'http' | 'frames';
}

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /**
     * router -> main: the applications of a configuration about to be
     * applied. Unchanged ones keep their processes; new or changed ones get
     * a generation whose first process is up when this answers (or it fails
     * with why, and nothing is left of them).
     */
    'main.apps-prepare': {
      params: { applications: Record<string, unknown> };
      result: { token: number; serving: Record<string, AppServing> };
    };
    /** router -> main: the configuration is in force; applications it no longer has retire. */
    'main.apps-commit': { params: AppsCommitParams; result: Record<string, never> };
    /** router -> main: the configuration was not applied: what apps-prepare started goes. */
    'main.apps-abandon': { params: { token: number }; result: void };
    /** router -> main: requests wait for a process of this application. */
    'main.app-demand': { params: { app: string; waiting: number }; result: void };
    /** router (or the application itself, without a key) -> main: a process held a request past limits.timeout; replace it. */
    'main.app-timeout': { params: { app: string; key?: number }; result: void };
    /** controller -> main: graceful restart of an application's processes. */
    'main.app-restart': { params: { name: string }; result: Record<string, never> };
    'main.apps-status': { params: Record<string, never>; result: AppsStatus };

    /** main -> prototype: start one application process; main's end of its channel comes with the answer. */
    'prototype.spawn': { params: { startTimeoutMs: number }; result: { pid: number } };
    /** main -> prototype: signal one of its processes (by the pid the prototype knows). */
    'prototype.kill': { params: { pid: number; signal: NodeJS.Signals }; result: { sent: boolean } };
    /** prototype -> main: one of its processes ended. */
    'main.app-exited': { params: { pid: number; code: number | null; signal: string | null }; result: void };

    /** main -> application: its request metrics (of what it answered on its own listeners), for /metrics. */
    'app.metrics': { params: Record<string, never>; result: { snapshot: MetricsSnapshot } };
    /** application -> main: what it counted, once, as it leaves (counters stay monotonic across restarts). */
    'main.app-metrics-final': { params: { snapshot: MetricsSnapshot }; result: void };
    /** controller -> main: the applications' metrics (main's own and its processes'), for /metrics. */
    'main.apps-metrics': { params: Record<string, never>; result: { snapshots: MetricsSnapshot[] } };
    /** main -> application: what to serve (listening fds attached in direct mode). */
    'app.serve': { params: ServeParams; result: Record<string, never> };
    /** main -> application: stop taking work, finish what is in flight within graceMs, exit. */
    'app.stop': { params: { graceMs: number }; result: void };
    /** application -> main: the app called listen() and serves. */
    'main.app-ready': { params: Record<string, never>; result: void };
    /** application -> main: the app cannot start (why; `code` from the error catalogue when it has one). */
    'main.app-failed': { params: { reason: string; code?: string }; result: void };
    /** application -> main: its requests in flight and served, and its own listeners' traffic (rate-limited). */
    'main.app-load': { params: { active: number; total: number; direct: DirectStats }; result: void };
    /** application -> main: limits.requests reached: replace me. */
    'main.app-retire': { params: Record<string, never>; result: void };

    /** main -> router: a process of an application serves; the router's end of a channel to it comes attached. */
    'router.app-process': { params: { app: string; key: number; generation: number; name: string }; result: void };
    /** main -> router: a process stops taking new work (draining) or is gone. */
    'router.app-state': { params: { app: string; key: number; state: AppProcessState }; result: void };
    /** main -> router: the application has no process and cannot start one now (why), or null once it can. */
    'router.app-failing': { params: { app: string; reason: string | null }; result: void };
    /** main -> application: router worker `pid` is retiring (draining, then gone): relay nothing new to it. */
    'app.router-retiring': { params: { pid: number }; result: void };
    /** main -> application: SIGUSR1: the access log, opened again (the fd attached). */
    'app.access-log': { params: Record<string, never>; result: void };
    /**
     * application -> router: a client connection the application accepted has
     * a request for the router (a file, a proxy, another application): this
     * socketpair (the first fd attached) carries its requests, as if that
     * client had connected to the router's listener `address`. The second
     * fd is the client's own socket, which the router only reads its
     * addresses from (who the client is; never the app's word) and closes.
     */
    'router.relay': { params: { address: string }; result: void };
    /**
     * router -> application: a connection to serve (routed mode; the fd
     * attached). The application counts each request it reads on it in
     * `slot` of the router's request counters (-1: none). `transport`:
     * HTTP/1.1 (Node apps, the default) or Weft's frames
     * (src/transport/frames/, which the Python runtime speaks).
     */
    'app.adopt': { params: { slot: number; transport?: 'http' | 'frames' }; result: void };
    /**
     * router -> application: a client's own connection (its fd attached),
     * accepted by the router on listener `address`, whose first request the
     * router routed to this application: the process serves it as if it had
     * accepted it itself (its engine decides every request again). `head`:
     * what the router already read of it (base64), to be read first.
     */
    'app.take-connection': { params: { address: string; head: string }; result: void };
    /**
     * application -> router: a connection handed over with
     * app.take-connection that this process cannot serve (it no longer has
     * that listener, or its app closed its server), given back untouched:
     * the router serves it itself.
     */
    'router.take-back': { params: { address: string; head: string }; result: void };
    /**
     * router -> application: shared memory (the fd attached) of `slots`
     * 32-bit counters, one per routed connection: requests the application
     * has read on it. When an application dies, its router sees which
     * requests it never read, and gives them to another process.
     */
    'app.counters': { params: { slots: number }; result: void };
  }
}

export const APP_ENV = 'WEFT_APP';

/** What an application process finds in WEFT_APP. */
export interface AppBoot {
  name: string;
  titlePrefix: string;
  /** Its channel to main; channels to routers arrive later (NEW_PORT). */
  channelFd: number;
  mainPid: number;
  /** Weft's version (the Server header's). */
  version: string;
  logLevel: string;
  /** "unit" or "json" (--log-format). */
  logFormat?: string;
  /** ms the app may take to call listen(). */
  startTimeoutMs: number;
}

/**
 * Routed mode: the client of a request, "address port scheme", in a header
 * the router sets (and strips from what clients send) and the application
 * runtime takes out again.
 */
export const CLIENT_HEADER = 'x-weft-client';

/** An application process's exit code when limits.timeout's watchdog ended it. */
export const WATCHDOG_EXIT_CODE = 75;

/** What main starts a prototype with (its process options). */
export interface PrototypeOptions {
  app: string;
  generation: number;
  config: Application;
  /** The application plugin's module file (from discovery). */
  module: string;
  credentials: ResolvedCredentials;
  cgroupDirs: string[];
  /** stdout/stderr of the application processes arrive as fds 4 and 5. */
  hasOutputFds: boolean;
  /** Without them, stdout goes to the Weft log too (--no-daemon: a console.log shows), else nowhere. */
  stdoutToLog: boolean;
  /** --modulesdir, bound into a rootfs when there is one. */
  modulesDir?: string;
  /** The selected module's type, version and plugin data (ModuleInfo.data), for the plugin. */
  moduleInfo?: { type: string; version: string; data?: Record<string, unknown> };
  /** Host directories the module needs inside a rootfs (ModuleInfo.deps). */
  moduleDeps?: string[];
  /**
   * Only the plugin's check (prototypeSetup), then READY and nothing more:
   * why a process main started itself could not start, seen as the app's
   * user in the app's working directory (main stops it at once).
   */
  checkOnly?: boolean;
}

/**
 * Whether an application's processes need a prototype: an isolation step
 * that happens once, in a process they descend from (namespaces, a pid
 * namespace above all, and a rootfs). Credentials, cgroups and
 * no_new_privs the native layer applies to each process main creates.
 */
export function needsPrototype(app: Application): boolean {
  const iso = app.isolation ?? {};
  return iso.rootfs !== undefined || Object.values(iso.namespaces ?? {}).some((on) => on === true);
}
