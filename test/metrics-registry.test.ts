// The metrics registry and its exposition, read back by Prometheus' own
// parsers in both formats.
import test from 'ava';

import { ErrorCodes } from '../src/errors.js';
import { mergeSnapshots, negotiateFormat, Registry, renderExposition } from '../src/metrics/index.js';
import type { MetricsSnapshot } from '../src/metrics/index.js';
import { classifyTitle } from '../src/process-types/controller/metrics/process-metrics.js';
import { parseMetrics, sampleValue } from './helpers/prometheus.js';

function example(): Registry {
  const r = new Registry();
  const requests = r.counter({ name: 'weft_http_requests_total', help: 'Requests.', labelNames: ['listener', 'app', 'code'] });
  const ok = requests.labels({ listener: '*:8080', app: 'blog', code: '200' });
  ok.inc();
  ok.inc(2);
  requests.labels({ listener: '*:8080', app: 'blog', code: '404' }).inc();
  // Label values that need escaping.
  requests.labels({ listener: 'unix:/run/a "b"\\c', app: 'multi\nline', code: '500' }).inc();
  r.gauge({ name: 'weft_http_connections', help: 'Open connections.\nBy state.', labelNames: ['state'] })
    .labels({ state: 'idle' })
    .set(7);
  const durations = r.histogram({
    name: 'weft_http_request_duration_seconds',
    unit: 'seconds',
    help: 'Request duration.',
    buckets: [0.01, 0.1, 1],
    labelNames: ['app'],
  });
  const blog = durations.labels({ app: 'blog' });
  for (const v of [0.005, 0.01, 0.05, 0.5, 3]) blog.observe(v);
  r.counter({ name: 'weft_process_cpu_seconds', unit: 'seconds', help: 'CPU.' }).inc(1.5);
  return r;
}

for (const format of ['prometheus', 'openmetrics'] as const) {
  test(`the ${format} exposition parses, with every value as counted`, (t) => {
    const text = renderExposition(example().snapshot(), format);
    const families = parseMetrics(text, format);
    t.is(sampleValue(families, 'weft_http_requests_total', { code: '200', app: 'blog' }), 3);
    t.is(sampleValue(families, 'weft_http_requests_total', { code: '404' }), 1);
    t.is(sampleValue(families, 'weft_http_requests_total', { listener: 'unix:/run/a "b"\\c', app: 'multi\nline' }), 1);
    t.is(sampleValue(families, 'weft_http_connections', { state: 'idle' }), 7);
    // Cumulative buckets: <= 0.01: 2, <= 0.1: 3, <= 1: 4, all: 5.
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_bucket', { le: '0.01' }), 2);
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_bucket', { le: '0.1' }), 3);
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_bucket', { le: '1.0' }), 4);
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_bucket', { le: '+Inf' }), 5);
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_count'), 5);
    t.is(sampleValue(families, 'weft_http_request_duration_seconds_sum'), 0.005 + 0.01 + 0.05 + 0.5 + 3);
    t.is(sampleValue(families, 'weft_process_cpu_seconds_total'), 1.5);
    const cpu = families.find((f) => f.name.startsWith('weft_process_cpu_seconds'))!;
    t.is(cpu.type, 'counter');
    if (format === 'openmetrics') {
      t.is(cpu.unit, 'seconds');
      t.true(text.endsWith('# EOF\n'));
    }
    t.is(families.find((f) => f.name === 'weft_http_connections')!.help, 'Open connections.\nBy state.');
  });
}

test('Accept chooses OpenMetrics as Prometheus asks for it, and text otherwise', (t) => {
  // What Prometheus 2.x sends.
  t.is(
    negotiateFormat(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    ),
    'openmetrics',
  );
  t.is(negotiateFormat('text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5'), 'prometheus');
  t.is(negotiateFormat(undefined), 'prometheus');
  t.is(negotiateFormat('*/*'), 'prometheus');
  t.is(negotiateFormat('application/openmetrics-text;q=0'), 'prometheus');
});

test('names and labels are checked where a metric is defined', (t) => {
  const r = new Registry();
  const code = (fn: () => unknown) => t.throws(fn, { code: ErrorCodes.METRICS });
  code(() => r.counter({ name: 'weft-requests', help: '' }));
  code(() => r.gauge({ name: 'weft_latency', unit: 'seconds', help: '' }));
  code(() => r.gauge({ name: 'weft_requests_count', help: '' }));
  code(() => r.counter({ name: 'weft_x_total', help: '', labelNames: ['__reserved'] }));
  code(() => r.histogram({ name: 'weft_h', help: '', buckets: [1, 0.5] }));
  code(() => r.histogram({ name: 'weft_h2', help: '', buckets: [1], labelNames: ['le'] }));
  r.counter({ name: 'weft_once_total', help: '' });
  code(() => r.counter({ name: 'weft_once', help: '' }));
  const c = r.counter({ name: 'weft_labelled_total', help: '', labelNames: ['app'] });
  code(() => c.labels({}));
  code(() => c.labels({ app: 'a', other: 'b' }));
  code(() => c.labels({ app: 'a' }).inc(-1));
});

test('merging sums samples with the same labels and refuses mismatched families', (t) => {
  const a = example().snapshot();
  const b = example().snapshot();
  const merged = mergeSnapshots([a, b]);
  const families = parseMetrics(renderExposition(merged, 'openmetrics'), 'openmetrics');
  t.is(sampleValue(families, 'weft_http_requests_total', { code: '200' }), 6);
  t.is(sampleValue(families, 'weft_http_request_duration_seconds_bucket', { le: '+Inf' }), 10);
  const clash: MetricsSnapshot = [{ type: 'gauge', name: 'weft_http_connections', help: '', samples: [] }];
  const counter: MetricsSnapshot = [{ type: 'counter', name: 'weft_http_connections', help: '', samples: [] }];
  t.throws(() => mergeSnapshots([clash, counter]), { code: ErrorCodes.METRICS });
});

test('process titles tell Weft processes apart (and other programs are left out)', (t) => {
  t.deepEqual(classifyTitle('weft: main v0.1.0 [weftd --no-daemon]', 'weft'), { process: 'main', app: '' });
  t.deepEqual(classifyTitle('weft: router', 'weft'), { process: 'router', app: '' });
  t.deepEqual(classifyTitle('unit: "blog" application', 'unit'), { process: 'application', app: 'blog' });
  t.deepEqual(classifyTitle('weft: "a b" prototype', 'weft'), { process: 'prototype', app: 'a b' });
  t.is(classifyTitle('node worker.js', 'weft'), null);
  t.is(classifyTitle('weft: router', 'unit'), null);
});
