// A process's metrics: defined once by name (a second definition of a name
// is an error, as Caddy refuses a duplicate module id), updated where things
// happen, and read as a snapshot. Collectors run just before a snapshot to
// fill gauges from state that is not counted as it changes (processes, RSS).
import { ErrorCodes, WeftError } from '../errors.js';
import { Counter, Gauge, Histogram } from './metrics.js';
import type { HistogramOptions, MetricOptions } from './metrics.js';
import { familyName } from './names.js';
import type { MetricsSnapshot } from './snapshot.js';

type Metric = Counter | Gauge | Histogram;

export class Registry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: Array<() => void> = [];

  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(familyName(options.name, 'counter', options.unit), options));
  }

  gauge(options: MetricOptions): Gauge {
    return this.#add(new Gauge(familyName(options.name, 'gauge', options.unit), options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(familyName(options.name, 'histogram', options.unit), options));
  }

  /** Runs before every snapshot (fill gauges from the state of the moment). */
  onCollect(collector: () => void): void {
    this.#collectors.push(collector);
  }

  snapshot(): MetricsSnapshot {
    for (const collect of this.#collectors) collect();
    return [...this.#metrics.values()].map((m) => m.snapshot());
  }

  #add<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) {
      throw new WeftError(ErrorCodes.METRICS, `the metric "${metric.name}" is defined twice`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
