// What a registry's metrics look like as data: plain JSON, so that it can
// cross a port from any process (a router worker, an application process)
// to the controller, which merges them (merge.ts) and writes the exposition
// (exposition.ts). This is the seam between where numbers are counted and
// where they are served.
export type MetricType = 'counter' | 'gauge' | 'histogram';

export type Labels = Readonly<Record<string, string>>;

export interface ValueSample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Observations per bucket, not cumulative: counts[i] for buckets[i - 1] < v <= buckets[i]; the last is above every bound (+Inf). */
  counts: number[];
  sum: number;
}

interface FamilyBase {
  /** Without "_total" (OpenMetrics' family name); ends with "_<unit>" when there is a unit. */
  name: string;
  help: string;
  /** Base unit: "seconds", "bytes", ... */
  unit?: string;
}

export interface CounterFamily extends FamilyBase {
  type: 'counter';
  samples: ValueSample[];
}

export interface GaugeFamily extends FamilyBase {
  type: 'gauge';
  samples: ValueSample[];
}

export interface HistogramFamily extends FamilyBase {
  type: 'histogram';
  /** Upper bounds, ascending, +Inf left out. */
  buckets: number[];
  samples: HistogramSample[];
}

export type FamilySnapshot = CounterFamily | GaugeFamily | HistogramFamily;

export type MetricsSnapshot = FamilySnapshot[];
