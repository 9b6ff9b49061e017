// The methods between the router, main, prototypes and application
// processes.
import type { DirectHttpSettings } from './runtime/direct-limits.js';
import type { DirectStats } from './runtime/direct-traffic.js';

export interface StartAppParams {
  app: string;
  generation: number;
  /** The application's configuration, as validated. */
  config: Record<string, unknown>;
}

export interface ServeParams {
  /** Direct mode: the fds attached are listening sockets to accept on. */
  direct: boolean;
  serverHeader: string;
  /** Requests after which the process should stop taking more (limits.requests), or 0. */
  requestLimit: number;
  /** Direct mode: settings.http, which the process applies to the connections it accepts. */
  http?: DirectHttpSettings;
}

declare module '../../kernel/ports/methods.js' {
  interface PortMethods {
    /** router -> main: start a prototype for an application generation; answered once it is READY. */
    'main.start-app': { params: StartAppParams; result: { pid: number } };
    /** router -> main: stop a prototype (and with it its processes). */
    'main.stop-app': { params: { pid: number }; result: Record<string, never> };
    /** router -> prototype: start one application process; the router's end of its channel comes with the answer. */
    'prototype.spawn': { params: Record<string, never>; result: { pid: number } };
    /** router -> prototype: signal one of its processes (the router may not signal the app's user). */
    'prototype.kill': { params: { pid: number; signal: NodeJS.Signals }; result: { sent: boolean } };
    /** prototype -> router: one of its processes ended. */
    'router.app-exited': { params: { pid: number; code: number | null; signal: string | null }; result: void };
    /** router -> application: what to serve (listening fds attached in direct mode). */
    'app.serve': { params: ServeParams; result: Record<string, never> };
    /** router -> application: a connection to serve (routed mode; the fd attached). */
    'app.adopt': { params: Record<string, never>; result: void };
    /** router -> application: stop taking work, finish what is in flight, exit. */
    'app.stop': { params: { graceMs: number }; result: void };
    /** application -> router: the app called listen() and serves. */
    'router.app-ready': { params: Record<string, never>; result: void };
    /** application -> router: the app cannot start (why). */
    'router.app-failed': { params: { reason: string }; result: void };
    /** application -> router: its requests in flight changed (rate-limited). */
    'router.app-load': { params: { active: number; total: number; direct: DirectStats }; result: void };
  }
}

export const APP_ENV = 'WEFT_APP';

/** What an application process finds in WEFT_APP. */
export interface AppBoot {
  name: string;
  titlePrefix: string;
  /** Its channel to the router. */
  channelFd: number;
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
