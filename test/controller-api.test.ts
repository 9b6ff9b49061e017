// The control API of a real weftd over its unix socket: Unit's semantics,
// its replies, and what Weft adds (ETag/If-Match, details on failures).
import fs from 'node:fs';
import net from 'node:net';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';
import { freePort } from './helpers/ports.js';

function api(w: Weftd) {
  const address = { socketPath: w.controlPath };
  return {
    get: (path: string) => controlRequest(address, 'GET', path),
    put: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      controlRequest(address, 'PUT', path, typeof body === 'string' ? body : JSON.stringify(body), headers),
    post: (path: string, body: unknown) => controlRequest(address, 'POST', path, JSON.stringify(body)),
    delete: (path: string, headers: Record<string, string> = {}) => controlRequest(address, 'DELETE', path, undefined, headers),
    raw: (method: string, path: string, body?: string) => controlRequest(address, method, path, body),
  };
}

const routesConfig = {
  listeners: {},
  routes: { main: [{ action: { return: 204 } }] },
  applications: {},
};

test('GET / shows certificates, config and status', async (t) => {
  const w = await startWeftd(t);
  const r = await api(w).get('/');
  t.is(r.status, 200);
  t.deepEqual(Object.keys(r.body as object), ['certificates', 'config', 'status']);
  const status = (r.body as { status: Record<string, unknown> }).status;
  t.deepEqual(Object.keys(status), ['modules', 'connections', 'requests', 'applications']);
  t.truthy((status.modules as Record<string, unknown>).node);
  // Unit's pretty JSON: tabs, CRLF, a final CRLF.
  t.regex(r.text, /^\{\r\n\t"certificates": \{\},\r\n/);
  t.true(r.text.endsWith('}\r\n'));
  t.is(r.headers['content-type'], 'application/json');
  t.is(r.headers.connection, 'close');
  t.regex(String(r.headers.server), /^Weft\/\d+\.\d+\.\d+$/);
});

test('PUT, GET, POST and DELETE at nested paths and array indexes', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  t.is((await c.put('/config', routesConfig)).status, 200);
  // PUT creates a member under an existing parent.
  t.deepEqual((await c.put('/config/routes/other', [{ action: { return: 301, location: '/x' } }])).body, {
    success: 'Reconfiguration done.',
  });
  t.deepEqual((await c.get('/config/routes/other/0/action/location')).body, '/x');
  // POST appends to an array.
  t.is((await c.post('/config/routes/other', { match: { uri: '/a' }, action: { return: 404 } })).status, 200);
  t.deepEqual((await c.get('/config/routes/other/1/match')).body, { uri: '/a' });
  // PUT replaces at an index; DELETE removes.
  t.is((await c.put('/config/routes/other/1/action/return', 403)).status, 200);
  t.is((await c.get('/config/routes/other/1/action/return')).body, 403);
  t.is((await c.delete('/config/routes/other/0')).status, 200);
  t.deepEqual((await c.get('/config/routes/other')).body, [{ match: { uri: '/a' }, action: { return: 403 } }]);
  // A trailing slash is the same path.
  t.deepEqual((await c.get('/config/routes/other/')).body, [{ match: { uri: '/a' }, action: { return: 403 } }]);
  // DELETE of /config resets to {}.
  t.is((await c.delete('/config')).status, 200);
  t.deepEqual((await c.get('/config')).body, {});
});

test('keys with "/" are written %2F; percent-encoded keys are decoded', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  const sock = `${w.dir}/app.sock`;
  t.is((await c.put('/config', { listeners: { [`unix:${sock}`]: { pass: 'routes' } }, routes: [] })).status, 200);
  const r = await c.get(`/config/listeners/unix:${encodeURIComponent(sock)}/pass`);
  t.is(r.body, 'routes');
});

test("every error reply is Unit's", async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  t.deepEqual((await c.get('/config/nope')).body, { error: "Value doesn't exist." });
  t.is((await c.get('/config/nope')).status, 404);
  t.deepEqual((await c.get('/nothing-here')).body, { error: "Value doesn't exist." });
  const bad = await c.put('/config', '{\n  "listeners": {,\n}');
  t.is(bad.status, 400);
  const badBody = bad.body as { error: string; detail: string; location: Record<string, number> };
  t.is(badBody.error, 'Invalid JSON.');
  t.truthy(badBody.detail);
  t.deepEqual(badBody.location, { offset: 18, line: 2, column: 17 });
  const invalid = await c.put('/config', { listeners: { '127.0.0.1:8080': { pass: 'applications/nope' } } });
  t.is(invalid.status, 400);
  t.deepEqual(invalid.body, {
    error: 'Invalid configuration.',
    detail: 'Request "pass" points to invalid location "applications/nope".',
    location: { path: '/listeners/127.0.0.1:8080/pass' },
  });
  t.deepEqual((await c.post('/config', {})).body, { error: "Method isn't allowed." });
  t.is((await c.post('/config', {})).status, 405);
  t.is((await c.raw('PATCH', '/config', '{}')).status, 405);
  t.deepEqual((await c.raw('PUT', '/status', '{}')).body, { error: 'Invalid method.' });
  t.deepEqual((await c.get('/status/nope')).body, { error: 'Invalid path.' });
  t.is((await c.get('/status/nope')).status, 404);
  t.deepEqual((await c.get('/control/applications/nope/restart')).body, { error: "Value doesn't exist." });
  t.is((await c.raw('POST', '/control/applications/nope/restart')).status, 405);
  // The old configuration stays after every refusal.
  t.deepEqual((await c.get('/config')).body, {});
});

test('a UTF-8 BOM is skipped', async (t) => {
  const w = await startWeftd(t);
  const r = await api(w).put('/config', `\ufeff${JSON.stringify(routesConfig)}`);
  t.is(r.status, 200);
});

test('/status paths', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  t.deepEqual(Object.keys((await c.get('/status/connections')).body as object), ['accepted', 'active', 'idle', 'closed']);
  t.is(typeof (await c.get('/status/requests/total')).body, 'number');
});

test('ETag on every GET of /config; If-Match on changes (412 on mismatch)', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  const first = await c.get('/config');
  const etag = String(first.headers.etag);
  t.regex(etag, /^"[^"]+"$/);
  t.is((await c.get('/config/routes')).status, 404);
  // Operator A changes the config with the ETag they read.
  t.is((await c.put('/config', routesConfig, { 'If-Match': etag })).status, 200);
  const second = await c.get('/config/routes');
  t.not(second.headers.etag, etag, 'the ETag is of the whole configuration');
  // Operator B still holds the old ETag: refused, nothing overwritten.
  const stale = await c.put('/config/routes/main/0/action/return', 500, { 'If-Match': etag });
  t.is(stale.status, 412);
  t.is((stale.body as { error: string }).error, 'Precondition failed.');
  t.is((await c.get('/config/routes/main/0/action/return')).body, 204);
  t.is((await c.delete('/config/routes', { 'If-Match': etag })).status, 412);
  t.is((await c.delete('/config/routes', { 'If-Match': String(second.headers.etag) })).status, 200);
  t.is((await c.put('/config/routes', { x: [] }, { 'If-Match': '*' })).status, 200);
});

test('re-sending an unchanged configuration changes nothing', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  await c.put('/config', routesConfig);
  const mark = w.log().length;
  const again = await c.put('/config', routesConfig);
  t.deepEqual(again.body, { success: 'Reconfiguration done.' });
  t.notRegex(w.log().slice(mark), /applied a configuration/);
});

test('a listener that cannot bind: 500 with the address and errno, and the old config stays', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  await c.put('/config', routesConfig);
  const r = await c.put('/config/listeners', { [`127.0.0.1:${port}`]: { pass: 'routes/main' } });
  t.is(r.status, 500);
  t.deepEqual(r.body, {
    error: 'Failed to apply new configuration.',
    detail: `cannot listen on 127.0.0.1:${port}: bind(2) failed: EADDRINUSE`,
  });
  t.deepEqual((await c.get('/config/listeners')).body, {});
});

test('listeners go live and come down with the configuration', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  const port = await freePort();
  const listeners = { [`127.0.0.1:${port}`]: { pass: 'routes/main' } };
  t.is((await c.put('/config', { ...routesConfig, listeners })).status, 200);
  await t.notThrowsAsync(connect(port));
  t.is((await c.put('/config/listeners', {})).status, 200);
  await t.throwsAsync(connect(port), { code: 'ECONNREFUSED' });
});

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

test('concurrent PUTs from several clients end in a consistent state', async (t) => {
  const w = await startWeftd(t);
  const c = api(w);
  await c.put('/config', { ...routesConfig, routes: { main: [] } });
  const clients = Array.from({ length: 20 }, (_, i) =>
    c.post('/config/routes/main', { match: { uri: `/c${i}` }, action: { return: 200 + i } }),
  );
  const replies = await Promise.all(clients);
  t.true(replies.every((r) => r.status === 200));
  const steps = (await c.get('/config/routes/main')).body as Array<{ match: { uri: string } }>;
  t.is(steps.length, 20, 'no append was lost');
  t.deepEqual(steps.map((s) => s.match.uri).sort(), Array.from({ length: 20 }, (_, i) => `/c${i}`).sort());
  const stored = JSON.parse(fs.readFileSync(`${w.stateDir}/conf.json`, 'utf8'));
  t.deepEqual(stored, (await c.get('/config')).body, 'what is stored is what is served');
});

test('the control socket is 0600 by default; --control-mode and --control-group change it', async (t) => {
  const w = await startWeftd(t);
  const st = fs.statSync(w.controlPath);
  t.is(st.mode & 0o777, 0o600);
  t.is(st.uid, 0);
  const w2 = await startWeftd(t, { args: ['--control-mode', '0660', '--control-group', 'nogroup'] });
  const st2 = fs.statSync(w2.controlPath);
  t.is(st2.mode & 0o777, 0o660);
  t.is(st2.gid, 65534);
});
