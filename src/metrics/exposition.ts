// The two text formats Prometheus scrapes: its own (text/plain, version
// 0.0.4) and OpenMetrics 1.0 (asked for with Accept). They differ in small
// ways that parsers check: OpenMetrics names a counter family without
// "_total", has "# UNIT", escapes quotes in HELP, and ends with "# EOF".
import type { FamilySnapshot, Labels, MetricsSnapshot } from './snapshot.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string, format: ExpositionFormat): string {
  const s = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? s.replace(/"/g, '\\"') : s;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A bucket bound as parsers expect it canonical: "1.0" rather than "1" (OpenMetrics' rule). */
function formatBound(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : formatNumber(v);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function writeFamily(out: string[], f: FamilySnapshot, format: ExpositionFormat): void {
  const om = format === 'openmetrics';
  // Prometheus' format names the counter's one series; OpenMetrics the family.
  const typeName = f.type === 'counter' && !om ? `${f.name}_total` : f.name;
  out.push(`# HELP ${typeName} ${escapeHelp(f.help, format)}`);
  out.push(`# TYPE ${typeName} ${f.type}`);
  if (om && f.unit) out.push(`# UNIT ${f.name} ${f.unit}`);
  if (f.type === 'histogram') {
    for (const s of f.samples) {
      let cumulative = 0;
      f.buckets.forEach((bound, i) => {
        cumulative += s.counts[i];
        out.push(`${f.name}_bucket${labelText(s.labels, ['le', formatBound(bound)])} ${cumulative}`);
      });
      cumulative += s.counts[f.buckets.length];
      out.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${cumulative}`);
      out.push(`${f.name}_count${labelText(s.labels)} ${cumulative}`);
      out.push(`${f.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`);
    }
    return;
  }
  const sampleName = f.type === 'counter' ? `${f.name}_total` : f.name;
  for (const s of f.samples) out.push(`${sampleName}${labelText(s.labels)} ${formatNumber(s.value)}`);
}

export function renderExposition(snapshot: MetricsSnapshot, format: ExpositionFormat): string {
  const out: string[] = [];
  for (const family of snapshot) writeFamily(out, family, format);
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/**
 * Which format an Accept header asks for: OpenMetrics when it names
 * application/openmetrics-text with a weight at least that of text/plain
 * (Prometheus sends both, OpenMetrics first); Prometheus' own otherwise.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let om = -1;
  let text = -1;
  for (const range of accept.split(',')) {
    const [type, ...params] = range
      .trim()
      .split(';')
      .map((s) => s.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') text = Math.max(text, q);
  }
  return om >= 0 && om >= text ? 'openmetrics' : 'prometheus';
}
