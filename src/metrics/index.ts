// Metrics: a registry per process, snapshots as data, one exposition.
export { mergeSnapshots } from './merge.js';
export { CONTENT_TYPES, negotiateFormat, renderExposition } from './exposition.js';
export type { ExpositionFormat } from './exposition.js';
export { Counter, CounterChild, DEFAULT_SECONDS_BUCKETS, Gauge, GaugeChild, Histogram, HistogramChild } from './metrics.js';
export type { HistogramOptions, MetricOptions } from './metrics.js';
export { Registry } from './registry.js';
export type { FamilySnapshot, Labels, MetricsSnapshot, MetricType } from './snapshot.js';
