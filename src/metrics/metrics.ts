// Counters, gauges and histograms with labels. A metric with labels hands
// out one child per combination of label values (`labels(...)`), which the
// hot path keeps and updates with a single addition: no string building,
// no lookup per event.
import { ErrorCodes, WeftError } from '../errors.js';
import { checkLabelNames } from './names.js';
import type { CounterFamily, GaugeFamily, HistogramFamily, Labels } from './snapshot.js';

export interface MetricOptions {
  name: string;
  help: string;
  unit?: string;
  labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending (in the metric's base unit). */
  buckets: readonly number[];
}

/** Seconds: from 5 ms to 10 s, as most Prometheus client libraries default. */
export const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

abstract class Labelled<Child> {
  readonly name: string;
  readonly help: string;
  readonly unit: string | undefined;
  readonly labelNames: readonly string[];
  readonly #children = new Map<string, { labels: Labels; child: Child }>();

  constructor(family: string, options: MetricOptions, reserved: readonly string[] = []) {
    this.name = family;
    this.help = options.help;
    this.unit = options.unit;
    this.labelNames = [...(options.labelNames ?? [])];
    checkLabelNames(family, this.labelNames, reserved);
  }

  protected abstract create(): Child;

  /** The child for these label values (every label named, all strings); keep it for the hot path. */
  labels(values: Readonly<Record<string, string>> = {}): Child {
    const key = this.#key(values);
    let entry = this.#children.get(key);
    if (!entry) {
      const labels: Record<string, string> = {};
      for (const n of this.labelNames) labels[n] = values[n];
      entry = { labels, child: this.create() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  /** Forgets a combination (a listener or app that is gone). */
  remove(values: Readonly<Record<string, string>>): void {
    this.#children.delete(this.#key(values));
  }

  /** Forgets every combination (a gauge filled afresh at each collection). */
  reset(): void {
    this.#children.clear();
  }

  protected entries(): Iterable<{ labels: Labels; child: Child }> {
    return this.#children.values();
  }

  #key(values: Readonly<Record<string, string>>): string {
    const names = Object.keys(values);
    if (names.length !== this.labelNames.length || this.labelNames.some((n) => typeof values[n] !== 'string')) {
      throw new WeftError(
        ErrorCodes.METRICS,
        `"${this.name}" takes the labels [${this.labelNames.join(', ')}] as strings, not ${JSON.stringify(values)}`,
      );
    }
    return this.labelNames.map((n) => values[n]).join('\u0000');
  }
}

export class CounterChild {
  value = 0;

  inc(by = 1): void {
    if (!(by >= 0)) throw new WeftError(ErrorCodes.METRICS, `a counter only goes up (inc(${by}))`);
    this.value += by;
  }
}

export class Counter extends Labelled<CounterChild> {
  protected create(): CounterChild {
    return new CounterChild();
  }

  inc(by = 1): void {
    this.labels().inc(by);
  }

  snapshot(): CounterFamily {
    const samples = [...this.entries()].map(({ labels, child }) => ({ labels, value: child.value }));
    return { type: 'counter', name: this.name, help: this.help, unit: this.unit, samples };
  }
}

export class GaugeChild {
  value = 0;

  set(value: number): void {
    this.value = value;
  }

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }
}

export class Gauge extends Labelled<GaugeChild> {
  protected create(): GaugeChild {
    return new GaugeChild();
  }

  set(value: number): void {
    this.labels().set(value);
  }

  snapshot(): GaugeFamily {
    const samples = [...this.entries()].map(({ labels, child }) => ({ labels, value: child.value }));
    return { type: 'gauge', name: this.name, help: this.help, unit: this.unit, samples };
  }
}

export class HistogramChild {
  readonly counts: number[];
  sum = 0;
  readonly #bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
  }
}

export class Histogram extends Labelled<HistogramChild> {
  readonly buckets: readonly number[];

  constructor(family: string, options: HistogramOptions) {
    super(family, options, ['le']);
    const b = options.buckets;
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= b[i - 1]))) {
      throw new WeftError(ErrorCodes.METRICS, `the buckets of "${family}" must be finite and ascending, not [${b.join(', ')}]`);
    }
    this.buckets = [...b];
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  observe(value: number): void {
    this.labels().observe(value);
  }

  snapshot(): HistogramFamily {
    const samples = [...this.entries()].map(({ labels, child }) => ({ labels, counts: [...child.counts], sum: child.sum }));
    return { type: 'histogram', name: this.name, help: this.help, unit: this.unit, buckets: [...this.buckets], samples };
  }
}
