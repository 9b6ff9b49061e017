// The router's methods, as other processes call them.
import type { MetricsSnapshot } from '../metrics/index.js';
export interface RouterStatus {
  connections: { accepted: number; active: number; idle: number; closed: number };
  requests: { total: number };
}

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /** Apply a whole validated configuration, all or nothing. */
    'router.configure': { params: { config: unknown }; result: Record<string, never> };
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
