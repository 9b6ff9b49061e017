// main's methods, as other processes call them.
import type { ModuleInfo } from './discovery.js';

/** What the controller tells main around applying a configuration (main tells systemd). */
export type ReconfigurationNotice =
  { phase: 'begin' } | { phase: 'end'; ok: true; listeners: number; applications: number } | { phase: 'end'; ok: false; detail: string };

export interface ListenRequest {
  /** Unit listener addresses ("127.0.0.1:8080", "unix:/path"). */
  addresses: string[];
  backlog?: Record<string, number>;
}

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /** The control socket main bound for the controller; the fd comes with the answer. */
    'main.control-socket': { params: Record<string, never>; result: { address: string } };
    /** The configuration to start with, and the modules discovery found. */
    'main.conf-get': { params: Record<string, never>; result: { config: unknown; modules: ModuleInfo[]; strict: boolean } };
    /** Persist an applied configuration (atomically; answered once on disk). */
    'main.conf-store': { params: { config: unknown }; result: Record<string, never> };
    /** The controller's report on applying a configuration to a new router. */
    'main.conf-applied': { params: { ok: boolean; detail?: string }; result: void };
    /**
     * After each configuration the routers took: whether they accept on any
     * of its listeners themselves (`--routers auto` runs one worker per CPU
     * while they do, one while application processes accept every listener).
     */
    'main.router-listeners': { params: { accepting: boolean }; result: void };
    /**
     * Listening sockets for these addresses, bound now or reused; the fds
     * come in the same order. All or nothing: on a failure, what this call
     * bound is closed again and the error names the address and errno.
     */
    'main.listen': { params: ListenRequest; result: { ports: number[] } };
    /** Opens a log file for appending (the router cannot: it runs unprivileged). */
    'main.open-log': { params: { path: string }; result: Record<string, never> };
    /** Every stored certificate bundle (the controller, at start). */
    'main.cert-list': { params: Record<string, never>; result: { bundles: Record<string, string> } };
    /** Some bundles (the router, for TLS listeners). */
    'main.cert-get': { params: { names: string[] }; result: { bundles: Record<string, string> } };
    'main.cert-store': { params: { name: string; pem: string }; result: Record<string, never> };
    'main.cert-delete': { params: { name: string }; result: Record<string, never> };
    /** The controller begins or ends applying a configuration (systemd's RELOADING=1 / READY=1). */
    'main.reconfiguring': { params: ReconfigurationNotice; result: void };
    /** The router committed a configuration: close the sockets it no longer uses. */
    'main.listen-release': { params: { keep: string[] }; result: Record<string, never> };
  }
}
