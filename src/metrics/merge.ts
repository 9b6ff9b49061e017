// Snapshots from several sources (the controller's own, what it derives
// from /status and /proc, and later each router worker's and application
// process's) become one exposition: families of one name are joined, and a
// sample with the same labels from two sources is summed (two router
// workers' request counts add up; a label such as "pid" keeps them apart
// where that matters).
import { ErrorCodes, WeftError } from '../errors.js';
import type { FamilySnapshot, HistogramSample, Labels, MetricsSnapshot, ValueSample } from './snapshot.js';

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function mismatch(a: FamilySnapshot, b: FamilySnapshot, what: string): never {
  throw new WeftError(ErrorCodes.METRICS, `the metric "${a.name}" comes with two different ${what} (${a.type} and ${b.type} sources)`);
}

export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const families = new Map<string, FamilySnapshot>();
  for (const snapshot of snapshots) {
    for (const family of snapshot) {
      const known = families.get(family.name);
      if (!known) {
        families.set(family.name, structuredClone(family));
        continue;
      }
      if (known.type !== family.type) mismatch(known, family, 'types');
      if (known.unit !== family.unit) mismatch(known, family, 'units');
      if (known.type === 'histogram') {
        const other = family as typeof known;
        if (known.buckets.join() !== other.buckets.join()) mismatch(known, family, 'bucket bounds');
        addHistograms(known.samples, other.samples);
      } else {
        addValues(known.samples, (family as typeof known).samples);
      }
    }
  }
  return [...families.values()];
}

function addValues(into: ValueSample[], from: readonly ValueSample[]): void {
  const index = new Map(into.map((s) => [labelKey(s.labels), s]));
  for (const s of from) {
    const same = index.get(labelKey(s.labels));
    if (same) same.value += s.value;
    else into.push({ labels: s.labels, value: s.value });
  }
}

function addHistograms(into: HistogramSample[], from: readonly HistogramSample[]): void {
  const index = new Map(into.map((s) => [labelKey(s.labels), s]));
  for (const s of from) {
    const same = index.get(labelKey(s.labels));
    if (same) {
      s.counts.forEach((c, i) => (same.counts[i] += c));
      same.sum += s.sum;
    } else {
      into.push({ labels: s.labels, counts: [...s.counts], sum: s.sum });
    }
  }
}
