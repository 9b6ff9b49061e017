// What /status knows, as metrics: connections and requests (the router's
// and those application processes took on their own listeners), and each
// application's processes. Rebuilt at every scrape from
// one /status answer, so the two always agree.
//
// Requests are counted where they are answered (request/request-metrics.ts,
// in the router and in application processes), by listener, application,
// route step and status class: not here.
import { Registry } from '../../../metrics/index.js';
import type { MetricsSnapshot } from '../../../metrics/index.js';
import type { ServerStatus } from '../server-status.js';

export function statusMetrics(status: ServerStatus): MetricsSnapshot {
  const r = new Registry();
  r.counter({ name: 'weft_http_connections_accepted_total', help: 'Client connections accepted.' }).inc(status.connections.accepted);
  r.counter({ name: 'weft_http_connections_closed_total', help: 'Client connections closed.' }).inc(status.connections.closed);
  const open = r.gauge({
    name: 'weft_http_connections',
    help: 'Open client connections: active (a request in progress) or idle.',
    labelNames: ['state'],
  });
  open.labels({ state: 'active' }).set(status.connections.active);
  open.labels({ state: 'idle' }).set(status.connections.idle);
  const processes = r.gauge({
    name: 'weft_application_processes',
    help: 'Application processes by state (running includes idle ones; starting: not serving yet).',
    labelNames: ['app', 'state'],
  });
  const active = r.gauge({
    name: 'weft_application_requests_active',
    help: 'Requests an application is serving now.',
    labelNames: ['app'],
  });
  for (const [app, s] of Object.entries(status.applications)) {
    processes.labels({ app, state: 'running' }).set(s.processes.running);
    processes.labels({ app, state: 'starting' }).set(s.processes.starting);
    processes.labels({ app, state: 'idle' }).set(s.processes.idle);
    active.labels({ app }).set(s.requests.active);
  }
  return r.snapshot();
}
