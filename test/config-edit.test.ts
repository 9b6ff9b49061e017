import test from 'ava';

import { applyEdit, configEtag, getAt, splitConfigPath } from '../src/config/edit.js';
import type { EditMethod } from '../src/config/edit.js';
import { canonicalJson } from '../src/config/etag.js';
import { ErrorCodes, WeftError } from '../src/errors.js';

const NOT_FOUND = { ok: false, status: 404, error: "Value doesn't exist." };
const NOT_ALLOWED = { ok: false, status: 405, error: "Method isn't allowed." };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function doc() {
  return deepFreeze({
    listeners: { '*:8080': { pass: 'routes' }, 'unix:/run/app.sock': { pass: 'applications/app' } },
    routes: [{ match: { uri: '/a' }, action: { return: 200 } }, { action: { share: ['/www$uri', '/fallback$uri'] } }],
    applications: { app: { type: 'node', script: '/srv/app.js', arguments: ['--a'] } },
    settings: { http: { idle_timeout: 180 } },
  });
}

// --- paths ---

test('a path splits into percent-decoded segments', (t) => {
  t.deepEqual(splitConfigPath(''), []);
  t.deepEqual(splitConfigPath('/'), []);
  t.deepEqual(splitConfigPath('/listeners'), ['listeners']);
  t.deepEqual(splitConfigPath('/listeners/*%3A8080/pass'), ['listeners', '*:8080', 'pass']);
  t.deepEqual(splitConfigPath('/listeners/unix:%2Frun%2Fapp.sock'), ['listeners', 'unix:/run/app.sock']);
  t.deepEqual(splitConfigPath('/applications/caf%C3%A9/environment/A%20B'), ['applications', 'café', 'environment', 'A B']);
  t.deepEqual(splitConfigPath('/routes/0/action'), ['routes', '0', 'action']);
  t.deepEqual(splitConfigPath('/a+b/%2B'), ['a+b', '+']);
});

test('trailing and doubled slashes, "." and ".." resolve as in a URL', (t) => {
  t.deepEqual(splitConfigPath('/listeners/'), ['listeners']);
  t.deepEqual(splitConfigPath('//listeners//*:80/'), ['listeners', '*:80']);
  t.deepEqual(splitConfigPath('/routes/./0/../1'), ['routes', '1']);
  t.deepEqual(splitConfigPath('/../..'), []);
  // Encoded dots are names, not path steps.
  t.deepEqual(splitConfigPath('/a/%2E%2E'), ['a', '..']);
});

test('a path that does not decode is null', (t) => {
  t.is(splitConfigPath('/listeners/%zz'), null);
  t.is(splitConfigPath('/listeners/100%'), null);
  t.is(splitConfigPath('/a/%4'), null);
  t.is(splitConfigPath('listeners'), null);
  t.is(splitConfigPath(`/${'x'.repeat(257)}`), null);
  t.deepEqual(splitConfigPath(`/${'x'.repeat(256)}`), ['x'.repeat(256)]);
});

// --- reading ---

test('getAt reads members and elements', (t) => {
  const d = doc();
  t.deepEqual(getAt(d, []), { ok: true, value: d });
  t.deepEqual(getAt(d, ['listeners', '*:8080', 'pass']), { ok: true, value: 'routes' });
  t.deepEqual(getAt(d, ['routes', '1', 'action', 'share', '1']), { ok: true, value: '/fallback$uri' });
  // nxt_int_parse takes leading zeros.
  t.deepEqual(getAt(d, ['routes', '01', 'action']), { ok: true, value: { share: ['/www$uri', '/fallback$uri'] } });
});

test('getAt misses what is not there', (t) => {
  const d = doc();
  for (const segments of [
    ['nope'],
    ['routes', '2'],
    ['routes', '-1'],
    ['routes', '1x'],
    ['routes', ''],
    ['settings', 'http', 'idle_timeout', 'x'],
    ['applications', 'app', 'constructor'],
    ['applications', 'app', 'arguments', 'length'],
  ]) {
    t.deepEqual(getAt(d, segments), { ok: false }, segments.join('/'));
  }
});

// --- PUT ---

test('PUT replaces a member', (t) => {
  const d = doc();
  const r = applyEdit(d, 'PUT', ['listeners', '*:8080', 'pass'], 'applications/app');
  t.true(r.ok);
  const value = (r as { value: typeof d }).value;
  t.is(value.listeners['*:8080'].pass, 'applications/app');
  t.is(d.listeners['*:8080'].pass, 'routes');
});

test('PUT creates a member under an existing parent', (t) => {
  const r = applyEdit(doc(), 'PUT', ['settings', 'http', 'send_timeout'], 30);
  t.like(r, { ok: true, value: { settings: { http: { idle_timeout: 180, send_timeout: 30 } } } });
});

test('PUT creates a member with a slash in its name', (t) => {
  const segments = splitConfigPath('/listeners/unix:%2Frun%2Fother.sock')!;
  const r = applyEdit(doc(), 'PUT', segments, { pass: 'routes' });
  t.deepEqual(getAt((r as { value: unknown }).value, ['listeners', 'unix:/run/other.sock']), {
    ok: true,
    value: { pass: 'routes' },
  });
});

test('PUT without the parent is 404', (t) => {
  t.deepEqual(applyEdit(doc(), 'PUT', ['upstreams', 'u', 'servers'], {}), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'PUT', ['routes', '5', 'action'], {}), NOT_FOUND);
});

test('PUT under a scalar is 404', (t) => {
  t.deepEqual(applyEdit(doc(), 'PUT', ['settings', 'http', 'idle_timeout', 'x'], 1), NOT_FOUND);
});

test('PUT replaces an array element, and at the length appends', (t) => {
  const d = doc();
  t.like(applyEdit(d, 'PUT', ['applications', 'app', 'arguments', '0'], '--b'), {
    ok: true,
    value: { applications: { app: { arguments: ['--b'] } } },
  });
  const appended = applyEdit(d, 'PUT', ['applications', 'app', 'arguments', '1'], '--c');
  t.deepEqual(getAt((appended as { value: unknown }).value, ['applications', 'app', 'arguments']), {
    ok: true,
    value: ['--a', '--c'],
  });
});

test('PUT past the end of an array, or at a non-index, is 404', (t) => {
  t.deepEqual(applyEdit(doc(), 'PUT', ['applications', 'app', 'arguments', '2'], 'x'), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'PUT', ['applications', 'app', 'arguments', 'first'], 'x'), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'PUT', ['applications', 'app', 'arguments', '-1'], 'x'), NOT_FOUND);
});

test('PUT at the root replaces the document', (t) => {
  t.deepEqual(applyEdit(doc(), 'PUT', [], { listeners: {} }), { ok: true, value: { listeners: {} } });
});

test('PUT of "__proto__" makes a member, not a prototype', (t) => {
  const r = applyEdit(doc(), 'PUT', ['applications', '__proto__'], { type: 'node' });
  const apps = getAt((r as { value: unknown }).value, ['applications']);
  const value = (apps as { value: Record<string, unknown> }).value;
  t.deepEqual(Object.keys(value), ['app', '__proto__']);
  t.is(Object.getPrototypeOf(value), Object.prototype);
});

test('PUT without a value is a programming error', (t) => {
  const error = t.throws(() => applyEdit(doc(), 'PUT', ['x']), { instanceOf: WeftError });
  t.is(error.code, ErrorCodes.ARGUMENT);
});

// --- POST ---

test('POST appends to an array', (t) => {
  const r = applyEdit(doc(), 'POST', ['routes'], { action: { return: 404 } });
  t.true(r.ok);
  const routes = (r as { value: { routes: unknown[] } }).value.routes;
  t.is(routes.length, 3);
  t.deepEqual(routes[2], { action: { return: 404 } });
});

test('POST appends to an array inside an array', (t) => {
  const r = applyEdit(doc(), 'POST', ['routes', '1', 'action', 'share'], '/last$uri');
  t.deepEqual(getAt((r as { value: unknown }).value, ['routes', '1', 'action', 'share']), {
    ok: true,
    value: ['/www$uri', '/fallback$uri', '/last$uri'],
  });
});

test('POST to something that is not an array is 405', (t) => {
  t.deepEqual(applyEdit(doc(), 'POST', ['listeners'], {}), NOT_ALLOWED);
  t.deepEqual(applyEdit(doc(), 'POST', ['listeners', '*:8080', 'pass'], 'x'), NOT_ALLOWED);
});

test('POST at the root is 405', (t) => {
  t.deepEqual(applyEdit(doc(), 'POST', [], {}), NOT_ALLOWED);
});

test('POST to something missing is 404', (t) => {
  t.deepEqual(applyEdit(doc(), 'POST', ['applications', 'app', 'node_options'], '--x'), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'POST', ['upstreams', 'u'], {}), NOT_FOUND);
});

// --- DELETE ---

test('DELETE removes a member', (t) => {
  const r = applyEdit(doc(), 'DELETE', ['listeners', 'unix:/run/app.sock']);
  t.deepEqual(getAt((r as { value: unknown }).value, ['listeners']), {
    ok: true,
    value: { '*:8080': { pass: 'routes' } },
  });
});

test('DELETE removes an array element and closes the gap', (t) => {
  const r = applyEdit(doc(), 'DELETE', ['routes', '0']);
  t.deepEqual(getAt((r as { value: unknown }).value, ['routes']), {
    ok: true,
    value: [{ action: { share: ['/www$uri', '/fallback$uri'] } }],
  });
});

test('DELETE of something missing is 404', (t) => {
  t.deepEqual(applyEdit(doc(), 'DELETE', ['upstreams']), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'DELETE', ['routes', '2']), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'DELETE', ['upstreams', 'u']), NOT_FOUND);
  t.deepEqual(applyEdit(doc(), 'DELETE', ['settings', 'http', 'idle_timeout', 'x']), NOT_FOUND);
});

test('DELETE at the root leaves an empty object', (t) => {
  t.deepEqual(applyEdit(doc(), 'DELETE', []), { ok: true, value: {} });
});

test('other methods are 405', (t) => {
  t.deepEqual(applyEdit(doc(), 'PATCH' as EditMethod, ['listeners'], {}), NOT_ALLOWED);
});

// --- sharing ---

test('edits never change their input and share what they do not touch', (t) => {
  const d = doc();
  const before = JSON.stringify(d);
  const r = applyEdit(d, 'PUT', ['applications', 'app', 'processes'], 4);
  t.is(JSON.stringify(d), before);
  const value = (r as { value: typeof d }).value;
  t.not(value, d);
  t.not(value.applications, d.applications);
  t.is(value.listeners, d.listeners);
  t.is(value.routes, d.routes);
  t.is(value.applications.app.arguments, d.applications.app.arguments);
});

// --- ETags ---

test('the ETag is a strong, quoted tag', (t) => {
  t.regex(configEtag({}), /^"[A-Za-z0-9_-]{22}"$/, '128 bits, base64url');
});

test('equal documents have equal ETags, whatever the member order', (t) => {
  const a = { listeners: { '*:80': { pass: 'routes' } }, routes: [{ action: { return: 204 } }] };
  const b = { routes: [{ action: { return: 204 } }], listeners: { '*:80': { pass: 'routes' } } };
  t.is(configEtag(a), configEtag(b));
  t.is(configEtag(a), configEtag(JSON.parse(JSON.stringify(a))));
  t.is(canonicalJson(b), '{"listeners":{"*:80":{"pass":"routes"}},"routes":[{"action":{"return":204}}]}');
});

test('any change changes the ETag', (t) => {
  const base = { a: [1, 2], b: { c: 'x' } };
  const tags = [
    base,
    { a: [2, 1], b: { c: 'x' } },
    { a: [1, 2], b: { c: 'y' } },
    { a: [1, 2], b: {} },
    { a: [1, 2, null], b: { c: 'x' } },
    { a: [1, 2], b: { c: 'x' }, d: 1 },
    {},
    [],
  ].map(configEtag);
  t.is(new Set(tags).size, tags.length);
  // "1" and 1 differ, as do "a/b" as one key and as nesting.
  t.not(configEtag({ x: 1 }), configEtag({ x: '1' }));
  t.not(configEtag({ 'a/b': 1 }), configEtag({ a: { b: 1 } }));
});
