// Prometheus' rules for names, checked when a metric is defined, so that a
// bad name fails where it is written rather than at scrape time.
import { ErrorCodes, WeftError } from '../errors.js';
import type { MetricType } from './snapshot.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Suffixes the exposition adds itself; a family name ending so would be ambiguous. */
const RESERVED_SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum'];

function fail(message: string): never {
  throw new WeftError(ErrorCodes.METRICS, message);
}

/** The family name for a definition: "_total" of a counter is dropped (the exposition adds it). */
export function familyName(name: string, type: MetricType, unit: string | undefined): string {
  if (!METRIC_NAME.test(name)) fail(`the metric name "${name}" must match ${METRIC_NAME}`);
  const family = type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  for (const suffix of RESERVED_SUFFIXES) {
    if (family.endsWith(suffix)) fail(`the metric name "${name}" must not end with "${suffix}" (the exposition adds it)`);
  }
  if (unit !== undefined) {
    if (!/^[a-z][a-z0-9_]*$/.test(unit))
      fail(`the unit "${unit}" of "${name}" must be a lower-case base unit such as "seconds" or "bytes"`);
    if (!family.endsWith(`_${unit}`)) fail(`the metric "${name}" has the unit "${unit}", so its name must end with "_${unit}"`);
  }
  return family;
}

export function checkLabelNames(metric: string, names: readonly string[], reserved: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      fail(`the label "${name}" of "${metric}" must match ${LABEL_NAME} and not start with "__"`);
    if (reserved.includes(name)) fail(`the label "${name}" of "${metric}" is reserved`);
    if (seen.has(name)) fail(`the label "${name}" appears twice in "${metric}"`);
    seen.add(name);
  }
}
