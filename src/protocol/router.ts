// The router's methods, as other processes call them.
import type { MetricsSnapshot } from '../metrics/index.js';
import type { AppServing } from './application.js';
export interface RouterStatus {
  connections: { accepted: number; active: number; idle: number; closed: number };
  requests: { total: number };
}

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /**
     * Applying a validated configuration, all or nothing, in two steps so
     * that every router worker switches or none does. prepare gets what it
     * needs and changes nothing; without `serving` the router leads (main
     * starts the applications for it), with the leader's `serving` it
     * follows. Its answer is how the applications serve, and whether the
     * routers accept on any of its listeners themselves (`accepting`; not
     * when application processes accept every one). A configuration equal
     * to the one in force is not applied again, unless `force` (a
     * certificate bundle it uses was replaced).
     */
    'router.prepare': {
      params: { config: unknown; serving?: Record<string, AppServing>; force?: boolean };
      result: { serving: Record<string, AppServing>; accepting: boolean };
    };
    /** The prepared configuration goes in force (the leader's last: it commits the applications). */
    'router.commit': { params: Record<string, never>; result: Record<string, never> };
    /** The prepared configuration is dropped (another router could not prepare it). */
    'router.abandon': { params: Record<string, never>; result: void };
    'router.status': { params: Record<string, never>; result: RouterStatus };
    /** Its metrics (requests, TLS, queues), for /metrics. */
    'router.metrics': { params: Record<string, never>; result: { snapshot: MetricsSnapshot } };
    /**
     * A graceful stop: accept no more connections, close each one after its
     * current answer (idle ones after a short grace); answered once none is
     * left, or after graceMs.
     */
    'router.drain': { params: { graceMs: number }; result: Record<string, never> };
    /** SIGUSR1 in main: open the access log again (after rotation). */
    'router.reopen-logs': { params: Record<string, never>; result: void };
  }
}
