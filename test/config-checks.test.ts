import test from 'ava';

import { parseAddressPattern } from '../src/config/address-pattern.js';
import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';
import { passSegments } from '../src/config/pass.js';
import { percentDecode } from '../src/config/percent.js';
import { compileRoutePattern, routePatternError } from '../src/config/regex.js';
import { isTemplate, templateError } from '../src/config/template-check.js';
import { validateConfig } from '../src/config/validate.js';

const ip4 = (a: number, b: number, c: number, d: number) => BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);

// --- address patterns: what the router will match with ---

test('IPv4 addresses, ranges and CIDR blocks become inclusive ranges', (t) => {
  t.deepEqual(parseAddressPattern('10.1.2.3'), {
    ok: true,
    pattern: { negative: false, family: 'inet', start: ip4(10, 1, 2, 3), end: ip4(10, 1, 2, 3), ports: [0, 65535] },
  });
  t.deepEqual(parseAddressPattern('!192.168.0.0/16:80'), {
    ok: true,
    pattern: { negative: true, family: 'inet', start: ip4(192, 168, 0, 0), end: ip4(192, 168, 255, 255), ports: [80, 80] },
  });
  t.deepEqual(parseAddressPattern('10.0.0.7/24'), {
    ok: true,
    pattern: { negative: false, family: 'inet', start: ip4(10, 0, 0, 0), end: ip4(10, 0, 0, 255), ports: [0, 65535] },
  });
  t.like(parseAddressPattern('10.0.0.1-10.0.0.9:8000-8080'), {
    ok: true,
    pattern: { start: ip4(10, 0, 0, 1), end: ip4(10, 0, 0, 9), ports: [8000, 8080] },
  });
  t.like(parseAddressPattern('0.0.0.0/0'), { ok: true, pattern: { start: 0n, end: 0xffffffffn } });
  t.like(parseAddressPattern('255.255.255.255'), { ok: true, pattern: { start: 0xffffffffn } });
});

test('IPv6 addresses, with brackets when a port follows', (t) => {
  const all = (1n << 128n) - 1n;
  t.deepEqual(parseAddressPattern('::1'), {
    ok: true,
    pattern: { negative: false, family: 'inet6', start: 1n, end: 1n, ports: [0, 65535] },
  });
  t.like(parseAddressPattern('[2001:db8::]:443'), { ok: true, pattern: { start: 0x20010db8n << 96n, ports: [443, 443] } });
  t.like(parseAddressPattern('2001:db8::/32'), {
    ok: true,
    pattern: { start: 0x20010db8n << 96n, end: (0x20010db8n << 96n) | ((1n << 96n) - 1n) },
  });
  t.like(parseAddressPattern('::/0'), { ok: true, pattern: { start: 0n, end: all } });
  t.like(parseAddressPattern('[::1-::ff]:1-2'), { ok: true, pattern: { start: 1n, end: 255n, ports: [1, 2] } });
});

test('"unix" and "*:port" need no address', (t) => {
  t.deepEqual(parseAddressPattern('unix'), { ok: true, pattern: { negative: false, family: 'unix', ports: [0, 65535] } });
  t.deepEqual(parseAddressPattern('!unix'), { ok: true, pattern: { negative: true, family: 'unix', ports: [0, 65535] } });
  t.deepEqual(parseAddressPattern('*:443'), { ok: true, pattern: { negative: false, family: 'any', ports: [443, 443] } });
});

test('address pattern errors are told apart as Unit tells them', (t) => {
  const cases: Array<[string, string]> = [
    ['1', 'length'],
    ['!', 'length'],
    ['1.2.3', 'format'],
    ['1.2.3.4.5', 'format'],
    ['01234.1.1.1', 'format'],
    ['1.2.3.4:', 'format'],
    ['*:', 'format'],
    ['[::1]', 'format'],
    ['1:2:3:4:5:6:7:8:9', 'format'],
    ['12345::1', 'format'],
    ['fe80::1%eth0', 'format'],
    ['10.0.0.0/', 'cidr'],
    ['10.0.0.0/x', 'cidr'],
    ['::/200', 'cidr'],
    ['10.0.0.2-10.0.0.1', 'range'],
    ['*:65536', 'port'],
    ['*:80-', 'port'],
    ['*:-80', 'port'],
    ['*:8080-80', 'port'],
  ];
  for (const [text, error] of cases) t.deepEqual(parseAddressPattern(text), { ok: false, error }, text);
});

// --- "~regex" ---

test('a leading PCRE option group becomes JavaScript flags', (t) => {
  t.is(compileRoutePattern('(?i)^/API').flags, 'i');
  t.true(compileRoutePattern('(?is)^a.b$').test('A\nB'));
  t.is(compileRoutePattern('^/a', true).flags, 'i');
  t.is(compileRoutePattern('(?i)x', true).flags, 'i');
  t.is(routePatternError('^/(a|b)$'), null);
  t.is(routePatternError('(?<name>x)'), null);
  t.is(routePatternError('(?x)a'), 'Invalid regular expression: Invalid group');
  t.is(routePatternError('a{2,1}'), 'Invalid regular expression: numbers out of order in {} quantifier');
});

// --- percent-decoding and "pass" ---

test('percent-decoding accepts only two hex digits after "%"', (t) => {
  t.is(percentDecode('a%20b%2Fc'), 'a b/c');
  t.is(percentDecode('%C3%A9%e2%82%ac'), 'é€');
  t.is(percentDecode('no+change'), 'no+change');
  t.is(percentDecode('%'), null);
  t.is(percentDecode('%2'), null);
  t.is(percentDecode('%2G'), null);
  t.is(percentDecode('%%41'), null);
});

test('"pass" splits into up to three decoded segments', (t) => {
  t.deepEqual(passSegments('routes'), ['routes']);
  t.deepEqual(passSegments('applications/a%2Fb/t'), ['applications', 'a/b', 't']);
  t.is(passSegments('a/b/c/d'), null);
  t.is(passSegments('/routes'), null);
  t.is(passSegments('routes/'), null);
  t.is(passSegments(''), null);
  t.is(passSegments('applications/%G0'), null);
});

// --- templates ---

test('templates are strings with "$" or "`"', (t) => {
  t.true(isTemplate('/www$uri'));
  t.true(isTemplate('`x`'));
  t.false(isTemplate('/www/static'));
  t.is(templateError('/www${host}$uri?$arg_page', 'share'), null);
  t.is(templateError('plain', 'share'), null);
  t.is(templateError('$response_header_x_id $header_x', 'format'), null);
  t.is(templateError('$nope', 'share'), 'Unknown variable "nope" in the "share" value.');
  t.is(templateError('$', 'share'), 'Invalid variable at position 0 in the "share" value.');
  t.is(templateError('${uri', 'location'), 'Invalid variable at position 0 in the "location" value.');
  t.is(templateError('`${uri}`', 'pass'), 'Weft does not support njs template literals in the "pass" value.');
});

// --- validation as a whole ---

const context = { appTypes: EXAMPLE_APP_TYPES, certificates: new Set(['bundle']) };

test('the schema is checked before the cross-checks', (t) => {
  const config = {
    listeners: { 'not-an-address': { pass: 'applications/nope' } },
    applications: { app: { type: 'node', script: '/a.js', processes: 'many' } },
  };
  t.deepEqual(validateConfig(config, context), {
    ok: false,
    detail: 'The "processes" value must be either an integer number or an object, but not a string.',
    path: '/applications/app/processes',
  });
});

test('cross-checks report in their fixed order', (t) => {
  const config = {
    listeners: { 'not-an-address': { pass: 'applications/nope' } },
    applications: { app: { type: 'node', script: '/a.js' } },
  };
  t.deepEqual(validateConfig(config, context), {
    ok: false,
    detail: 'The listener address "not-an-address" is invalid.',
    path: '/listeners/not-an-address',
  });
});

test('ID maps are not checked against users nobody can look up', (t) => {
  const config = {
    applications: {
      app: {
        type: 'node',
        script: '/a.js',
        user: 'www',
        isolation: { namespaces: { credential: true }, uidmap: [{ container: 0, host: 100000, size: 1 }] },
      },
    },
  };
  t.deepEqual(validateConfig(config, context), { ok: true });
  const lookupUser = (name: string) => (name === 'www' ? { uid: 33, gid: 33 } : null);
  t.deepEqual(validateConfig(config, { ...context, lookupUser }), {
    ok: false,
    detail: '"uidmap" field has no "container" entry for user "www" (uid 33)',
    path: '/applications/app/isolation/uidmap',
  });
  // An unknown user cannot be checked either (starting it fails on its own).
  t.deepEqual(validateConfig(config, { ...context, lookupUser: () => null }), { ok: true });
});

test('validation does not change the configuration', (t) => {
  const config = {
    listeners: { '*:80': { pass: 'routes' } },
    routes: [{ match: { uri: '/a' }, action: { share: '/www$uri', fallback: { return: 404 } } }],
    applications: { app: { type: 'node', script: '/a.js', processes: { max: 2 } } },
  };
  const before = JSON.stringify(config);
  t.deepEqual(validateConfig(config, context), { ok: true });
  t.is(JSON.stringify(config), before);
});

test('a large configuration validates', (t) => {
  const config = { listeners: {} as Record<string, unknown>, routes: [] as unknown[], applications: {} as Record<string, unknown> };
  for (let i = 0; i < 2000; i++) {
    config.listeners[`127.0.0.1:${10000 + i}`] = { pass: 'routes' };
    config.routes.push({ match: { uri: [`/app/${i}/*`, `~^/v${i}/`], source: '10.0.0.0/8' }, action: { pass: `applications/app-${i}` } });
    config.applications[`app-${i}`] = { type: 'node', script: `/srv/${i}.js`, environment: { I: `${i}` }, processes: { max: 4, spare: 1 } };
  }
  validateConfig({}, context); // compile outside the measurement
  const started = process.hrtime.bigint();
  t.deepEqual(validateConfig(config, context), { ok: true });
  // How long it took is for the log; timing is measured in bench/, not asserted.
  t.log(`2000 listeners, routes and applications validated in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
});
