// What every process that answers requests counts of them, for /metrics:
// per listener, application (when one answered) and route step (when a
// route decided): requests by status class, their duration, bytes in and
// out. Counted once per request when its response closes, in whichever
// process answered it; the controller sums the processes' snapshots. The
// labels' child is found by one string key per request (no allocation
// beyond it): the counters cost a Map lookup and a few additions.
import { DEFAULT_SECONDS_BUCKETS, Registry } from '../metrics/index.js';
import type { CounterChild, HistogramChild } from '../metrics/index.js';
import type { RequestContext } from './request-context.js';

interface Series {
  requests: CounterChild[];
  duration: HistogramChild;
  bytesIn: CounterChild;
  bytesOut: CounterChild;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export class RequestMetrics {
  readonly registry: Registry;
  readonly #requests;
  readonly #duration;
  readonly #bytesIn;
  readonly #bytesOut;
  readonly #series = new Map<string, Series>();

  constructor(registry = new Registry()) {
    this.registry = registry;
    const labelNames = ['listener', 'app', 'route'];
    this.#requests = registry.counter({
      name: 'weft_http_requests_total',
      help: 'Requests answered, by listener, application (empty: none), route step (empty: none decided) and status class.',
      labelNames: [...labelNames, 'code'],
    });
    this.#duration = registry.histogram({
      name: 'weft_http_request_duration_seconds',
      unit: 'seconds',
      help: 'From the request head to the end of its answer.',
      labelNames,
      buckets: DEFAULT_SECONDS_BUCKETS,
    });
    this.#bytesIn = registry.counter({
      name: 'weft_http_request_bytes_total',
      unit: 'bytes',
      help: 'Bytes received: request heads and bodies.',
      labelNames,
    });
    this.#bytesOut = registry.counter({
      name: 'weft_http_response_bytes_total',
      unit: 'bytes',
      help: 'Bytes sent: answer heads and bodies.',
      labelNames,
    });
  }

  /** One request, once its response closed. */
  observe(ctx: RequestContext): void {
    const listener = ctx.listener.address;
    const app = ctx.application ?? '';
    const route = ctx.routeStep ?? '';
    const key = `${listener}\0${app}\0${route}`;
    let s = this.#series.get(key);
    if (!s) {
      const labels = { listener, app, route };
      s = {
        requests: CLASSES.map((code) => this.#requests.labels({ ...labels, code })),
        duration: this.#duration.labels(labels),
        bytesIn: this.#bytesIn.labels(labels),
        bytesOut: this.#bytesOut.labels(labels),
      };
      this.#series.set(key, s);
    }
    const status = ctx.status();
    const cls = status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : 4;
    s.requests[cls].inc();
    s.duration.observe((Date.now() - ctx.startedAt) / 1000);
    s.bytesIn.inc(ctx.bytesReceived());
    s.bytesOut.inc(ctx.bytesSent());
  }
}
