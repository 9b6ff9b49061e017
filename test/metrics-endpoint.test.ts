// GET /metrics on the control socket of a real weftd: what a Prometheus
// scrape sees, parsed by Prometheus' own parser, against traffic this test
// sent and the processes it started.
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { parseMetrics, sampleValue, samples, sumOf } from './helpers/prometheus.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import type { Weftd } from './helpers/weftd.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');

async function scrape(w: Weftd, accept?: string): Promise<{ contentType: string; text: string }> {
  const r = await controlRequest({ socketPath: w.controlPath }, 'GET', '/metrics', undefined, accept ? { Accept: accept } : {});
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status} ${r.text}`);
  return { contentType: String(r.headers['content-type']), text: r.text };
}

test('requests, connections, application processes, reloads and process RSS/CPU, in both formats', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/app/*' }, action: { pass: 'applications/hello' } }, { action: { return: 204 } }],
    applications: { hello: { type: 'node', script: path.join(apps, 'hello.js'), processes: 2 } },
  });
  const before = parseMetrics((await scrape(w)).text, 'prometheus');
  const requestsBefore = sumOf(before, 'weft_http_requests_total');
  const acceptedBefore = sampleValue(before, 'weft_http_connections_accepted_total') ?? 0;
  // The empty start configuration, then this test's.
  t.is(sampleValue(before, 'weft_config_reloads_total', { result: 'success' }), 2);
  for (let i = 0; i < 7; i++) t.is((await request({ port }, '/app/x')).status, 200);
  for (let i = 0; i < 5; i++) t.is((await request({ port }, '/other')).status, 204);

  // Application processes that accept on their own listeners report their
  // counts a few times a second: wait for the scrape to catch up.
  let plain = await scrape(w);
  for (let i = 0; i < 100; i++) {
    const now = parseMetrics(plain.text, 'prometheus');
    if (
      sumOf(now, 'weft_http_requests_total') === requestsBefore + 12 &&
      sampleValue(now, 'weft_http_connections_accepted_total') === acceptedBefore + 12
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
    plain = await scrape(w);
  }
  t.is(plain.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  const m = parseMetrics(plain.text, 'prometheus');
  // Each request came on its own connection (no keep-alive agent).
  t.is(sumOf(m, 'weft_http_requests_total'), requestsBefore + 12);
  // By application, route step and status class, wherever they were answered.
  t.is(sumOf(m, 'weft_http_requests_total', { app: 'hello', route: 'routes/0', code: '2xx' }), 7);
  t.is(sumOf(m, 'weft_http_requests_total', { app: '', route: 'routes/1', code: '2xx' }), 5);
  t.is(sumOf(m, 'weft_http_request_duration_seconds_count', { app: 'hello' }), 7);
  t.true(sumOf(m, 'weft_http_response_bytes_total', { app: 'hello' }) > 7 * 11, 'bytes out counted');
  t.is(sampleValue(m, 'weft_http_connections_accepted_total'), acceptedBefore + 12);
  t.is(sampleValue(m, 'weft_application_processes', { app: 'hello', state: 'running' }), 2);
  t.is(sampleValue(m, 'weft_application_processes', { app: 'hello', state: 'starting' }), 0);
  t.is(sampleValue(m, 'weft_config_reloads_total', { result: 'failure' }), 0);
  t.is(sampleValue(m, 'weft_config_last_reload_successful'), 1);
  t.is(sampleValue(m, 'weft_build_info', { node_version: process.versions.node }), 1);

  const rss = samples(m, 'weft_process_resident_memory_bytes');
  const kinds = rss.map((s) => `${s.labels.process}${s.labels.app ? `/${s.labels.app}` : ''}`).sort();
  t.deepEqual(kinds, ['application/hello', 'application/hello', 'controller', 'main', 'router']);
  t.true(
    rss.every((s) => Number(s.value) > 1024 * 1024),
    'every process has more than 1 MiB resident',
  );
  t.is(samples(m, 'weft_process_resident_memory_bytes').find((s) => s.labels.process === 'main')!.labels.pid, String(w.pid));
  t.true(samples(m, 'weft_process_cpu_seconds_total').every((s) => Number(s.value) > 0));

  // A change the router refuses counts as a failure (an app that cannot start).
  const refused = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config/applications/broken',
    JSON.stringify({ type: 'node', script: path.join(apps, 'fails-at-start.js') }),
  );
  t.is(refused.status, 500);
  await applyConfig(w, [{ action: { return: 200 } }], '/config/routes');

  const om = await scrape(w, 'application/openmetrics-text; version=1.0.0, text/plain; q=0.5');
  t.is(om.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const o = parseMetrics(om.text, 'openmetrics');
  t.is(sampleValue(o, 'weft_config_reloads_total', { result: 'success' }), 3);
  t.is(sampleValue(o, 'weft_config_reloads_total', { result: 'failure' }), 1);
  t.is(o.find((f) => f.name === 'weft_process_cpu_seconds')!.unit, 'seconds');
  t.is(o.find((f) => f.name === 'weft_process_resident_memory_bytes')!.unit, 'bytes');
});

test('/metrics answers GET only, and the Unit paths are as they were', async (t) => {
  const w = await startWithConfig(t, {});
  const post = await controlRequest({ socketPath: w.controlPath }, 'POST', '/metrics', '{}');
  t.is(post.status, 405);
  t.deepEqual(post.body, { error: 'Invalid method.' });
  const status = await controlRequest({ socketPath: w.controlPath }, 'GET', '/status');
  t.deepEqual(Object.keys(status.body as object), ['modules', 'connections', 'requests', 'applications']);
});

test('settings.weft.metrics serves /metrics over TCP for Prometheus, alone or beside the health endpoint', async (t) => {
  const [port, metricsPort, sharedPort] = [await freePort(), await freePort(), await freePort()];
  const w = await startWithConfig(t, {
    settings: { weft: { metrics: `127.0.0.1:${metricsPort}` } },
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { return: 204 } }],
  });
  for (let i = 0; i < 3; i++) await request({ port }, '/');
  const scrapeTcp = () =>
    request({ port: metricsPort }, '/metrics', { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } });
  let scraped = await scrapeTcp();
  for (let i = 0; i < 100 && sumOf(parseMetrics(scraped.text, 'openmetrics'), 'weft_http_requests_total') !== 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    scraped = await scrapeTcp();
  }
  t.is(scraped.status, 200);
  t.is(scraped.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const families = parseMetrics(scraped.text, 'openmetrics');
  t.is(sumOf(families, 'weft_http_requests_total'), 3);
  // Only what was asked for is served there.
  t.is((await request({ port: metricsPort }, '/ready')).status, 404);

  await applyConfig(w, { metrics: `127.0.0.1:${sharedPort}`, health: `127.0.0.1:${sharedPort}` }, '/config/settings/weft');
  t.is((await request({ port: sharedPort }, '/ready')).status, 200);
  t.is((await request({ port: sharedPort }, '/metrics')).status, 200);
  await t.throwsAsync(request({ port: metricsPort }, '/metrics'), { code: 'ECONNREFUSED' });
});
