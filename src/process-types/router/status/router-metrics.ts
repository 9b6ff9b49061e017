// The router's metrics: the requests it answers (request/request-metrics.ts,
// counted as each response closes), TLS handshakes per listener, and the
// requests waiting for an application's process.
import { Registry } from '../../../metrics/index.js';
import type { Counter } from '../../../metrics/index.js';
import { RequestMetrics } from '../../../request/request-metrics.js';
import type { AppDirectory } from '../applications/app-directory.js';

export class RouterMetrics {
  readonly registry = new Registry();
  readonly requests = new RequestMetrics(this.registry);
  readonly #handshakes: Counter;

  constructor(directory: AppDirectory) {
    this.#handshakes = this.registry.counter({
      name: 'weft_tls_handshakes_total',
      help: 'TLS handshakes on a listener, by result (ok, failed).',
      labelNames: ['listener', 'result'],
    });
    const queued = this.registry.gauge({
      name: 'weft_application_requests_queued',
      help: 'Requests waiting for a process of the application (in the router).',
      labelNames: ['app'],
    });
    this.registry.onCollect(() => {
      queued.reset();
      for (const [app, waiting] of directory.waiting()) queued.labels({ app }).set(waiting);
    });
  }

  handshake(listener: string, ok: boolean): void {
    this.#handshakes.labels({ listener, result: ok ? 'ok' : 'failed' }).inc();
  }
}
