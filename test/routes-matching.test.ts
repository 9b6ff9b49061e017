// Route matching: every match condition against requests (test/corpus/
// routes/matching.json), address patterns (addresses.json), what the
// compiler refuses and how it says so (compile-errors.json), route sets and
// first-match-wins, and the lazy parsing of arguments and cookies.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { ErrorCodes } from '../src/errors.js';
import {
  compileRoutes,
  compileTypesRule,
  normalizeHost,
  parseRequestTarget,
  PeerAddress,
  QueryArguments,
  RequestCookies,
  RouteCompileError,
  RouteRequest,
} from '../src/request/routing/index.js';
import type { SocketEndpoint } from '../src/request/routing/index.js';
import { decodeQuery, parseArguments } from '../src/request/routing/request-arguments.js';
import { parseCookies } from '../src/request/routing/request-cookies.js';

function corpus<T>(name: string): T {
  const file = path.join(__dirname, '..', '..', 'test', 'corpus', 'routes', name);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

interface RequestSpec {
  method?: string;
  tls?: boolean;
  host?: string | null;
  target?: string;
  headers?: Array<[string, string]>;
  cookies?: string[];
  remote?: string;
  local?: string;
}

/** "1.2.3.4:80", "[::1]:80" or "unix". */
function endpoint(text: string): SocketEndpoint | null {
  if (text === 'unix') return null;
  const colon = text.lastIndexOf(':');
  const address = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { address, port: Number(text.slice(colon + 1)) };
}

/** A RouteRequest as the router would build it from such a request. */
function request(spec: RequestSpec | string): RouteRequest {
  const s: RequestSpec = typeof spec === 'string' ? { target: spec } : spec;
  const target = parseRequestTarget(s.target ?? '/');
  if (!target.ok) throw new Error(`bad test target ${s.target}: ${target.reason}`);
  const hostHeader = s.host === undefined ? 'localhost' : s.host;
  const rawHeaders: string[] = [];
  if (hostHeader !== null) rawHeaders.push('Host', hostHeader);
  for (const [name, value] of s.headers ?? []) rawHeaders.push(name, value);
  for (const cookie of s.cookies ?? []) rawHeaders.push('Cookie', cookie);
  const host = hostHeader === null ? '' : normalizeHost(hostHeader);
  if (host === null) throw new Error(`bad test host ${hostHeader}`);
  return new RouteRequest({
    method: s.method ?? 'GET',
    tls: s.tls ?? false,
    host,
    path: target.path,
    query: target.query,
    rawHeaders,
    remote: endpoint(s.remote ?? '127.0.0.1:40000'),
    local: endpoint(s.local ?? '127.0.0.1:8080'),
  });
}

const ACTION = { return: 200 };

function matches(match: unknown, spec: RequestSpec | string): boolean {
  return compileRoutes([{ match, action: ACTION }]).match(undefined, request(spec)).matched;
}

const show = (v: unknown): string => JSON.stringify(v);

interface Group {
  title: string;
  match: unknown;
  cases: Array<[RequestSpec | string, boolean]>;
}

for (const group of corpus<{ groups: Group[] }>('matching.json').groups) {
  test(`match: ${group.title}`, (t) => {
    const routes = compileRoutes([{ match: group.match, action: ACTION }]);
    for (const [spec, expected] of group.cases) {
      t.is(routes.match(undefined, request(spec)).matched, expected, `${show(group.match)} on ${show(spec)}`);
    }
  });
}

for (const [pattern, address, expected] of corpus<{ cases: Array<[string, string, boolean]> }>('addresses.json').cases) {
  test(`address ${show(pattern)} on ${address}`, (t) => {
    t.is(matches({ source: pattern }, { remote: address }), expected, 'as source');
    t.is(matches({ destination: pattern }, { local: address }), expected, 'as destination');
    t.is(matches({ source: [pattern] }, { remote: address }), expected, 'in an array');
  });
}

interface ErrorCase {
  match?: unknown;
  routes?: unknown;
  path: string;
  detail: string;
}

for (const c of corpus<{ cases: ErrorCase[] }>('compile-errors.json').cases) {
  const routes = 'match' in c ? [{ match: c.match, action: ACTION }] : c.routes;
  test(`refused: ${show(routes)}`, (t) => {
    const error = t.throws(() => compileRoutes(routes), { instanceOf: RouteCompileError });
    t.is(error?.code, ErrorCodes.ROUTE_COMPILE);
    t.is(error?.path, c.path);
    t.is(error?.message, `Cannot compile "${c.path}": ${c.detail}`);
  });
}

test('the first step that matches wins', (t) => {
  const a = { pass: 'applications/a' };
  const b = { pass: 'applications/b' };
  const c = { return: 404 };
  const routes = compileRoutes([{ match: { uri: '/a*' }, action: a }, { match: { uri: '/ab*' }, action: b }, { action: c }]);
  t.deepEqual(routes.match(undefined, request('/abc')), { matched: true, route: undefined, index: 0, action: a });
  t.deepEqual(routes.match(undefined, request('/b')), { matched: true, route: undefined, index: 2, action: c });
  const found = routes.match(undefined, request('/abc'));
  t.is(found.matched ? found.action : undefined, a, 'the configured object itself');
});

test('later steps are tried when earlier ones do not hold', (t) => {
  const routes = compileRoutes([
    { match: { method: 'POST' }, action: { return: 201 } },
    { match: { host: 'example.com' }, action: { return: 202 } },
    { match: { uri: '/x' }, action: { return: 203 } },
  ]);
  const index = (spec: RequestSpec): number => {
    const m = routes.match(undefined, request(spec));
    return m.matched ? m.index : -1;
  };
  t.is(index({ method: 'POST' }), 0);
  t.is(index({ host: 'example.com' }), 1);
  t.is(index({ target: '/x' }), 2);
  t.is(index({ target: '/y' }), -1);
  t.is(index({ method: 'POST', target: '/x', host: 'example.com' }), 0);
});

test('no step matching, an empty route and no routes at all are all "no match"', (t) => {
  t.deepEqual(compileRoutes([{ match: { method: 'POST' }, action: ACTION }]).match(undefined, request('/')), {
    matched: false,
    reason: 'no-match',
  });
  t.deepEqual(compileRoutes([]).match(undefined, request('/')), { matched: false, reason: 'no-match' });
  t.deepEqual(compileRoutes({ main: [] }).match('main', request('/')), { matched: false, reason: 'no-match' });
  t.deepEqual(compileRoutes(undefined).match(undefined, request('/')), { matched: false, reason: 'no-route' });
});

test('named route sets are found by name, and a missing name is "no route"', (t) => {
  const main = { pass: 'routes/api' };
  const api = { return: 204 };
  const routes = compileRoutes({ main: [{ match: { uri: '/api/*' }, action: main }], api: [{ action: api }] });
  t.deepEqual(routes.names(), ['main', 'api']);
  t.deepEqual(routes.match('main', request('/api/x')), { matched: true, route: 'main', index: 0, action: main });
  t.deepEqual(routes.match('api', request('/')), { matched: true, route: 'api', index: 0, action: api });
  t.deepEqual(routes.match('main', request('/')), { matched: false, reason: 'no-match' });
  t.deepEqual(routes.match('nope', request('/')), { matched: false, reason: 'no-route' });
  t.deepEqual(routes.match(undefined, request('/')), { matched: false, reason: 'no-route' }, '"routes" alone names the array form');
  t.is(routes.route('api')?.name, 'api');
  t.is(routes.route('api')?.length, 1);
  t.is(routes.route(undefined), undefined);
});

test('the array form is the unnamed route set', (t) => {
  const routes = compileRoutes([{ action: ACTION }]);
  t.deepEqual(routes.names(), []);
  t.is(routes.route(undefined)?.name, undefined);
  t.is(routes.route(undefined)?.length, 1);
  t.is(routes.route('routes'), undefined);
});

test('a step without match, or with an empty one, always holds', (t) => {
  t.true(compileRoutes([{ action: ACTION }]).match(undefined, request({ method: 'DELETE', remote: 'unix' })).matched);
  t.true(compileRoutes([{ match: {}, action: ACTION }]).match(undefined, request('/x?y')).matched);
});

test('matching allocates no result: the same frozen object comes back', (t) => {
  const routes = compileRoutes([{ match: { uri: '/a' }, action: ACTION }]);
  const first = routes.match(undefined, request('/a'));
  t.is(routes.match(undefined, request('/a')), first);
  t.true(Object.isFrozen(first));
  t.is(routes.match(undefined, request('/b')), routes.match(undefined, request('/c')));
});

test('a rewritten path is what later matching sees', (t) => {
  const routes = compileRoutes([{ match: { uri: '/new' }, action: ACTION }]);
  const req = request('/old');
  t.false(routes.match(undefined, req).matched);
  req.path = '/new';
  t.true(routes.match(undefined, req).matched);
});

// Lazy parsing: a route that looks only at the path must not read the
// query, the cookies or the addresses.
test('arguments, cookies and addresses are parsed only when a route looks at them', (t) => {
  let localAsked = 0;
  const make = (): RouteRequest =>
    new RouteRequest({
      method: 'GET',
      tls: false,
      host: 'localhost',
      path: '/a',
      query: 'x=1',
      rawHeaders: ['Cookie', 'a=1'],
      remote: { address: '10.0.0.1', port: 1 },
      local: () => {
        localAsked++;
        return { address: '10.0.0.2', port: 80 };
      },
    });
  const req = make();
  compileRoutes([{ match: { uri: '/a', method: 'GET' }, action: ACTION }]).match(undefined, req);
  t.is(localAsked, 0);
  const argsBefore = req.arguments();
  t.is(req.arguments(), argsBefore, 'parsed once, then kept');
  t.is(req.cookies(), req.cookies());
  t.is(req.remoteAddress(), req.remoteAddress());
  compileRoutes([{ match: { destination: '*:80' }, action: ACTION }]).match(undefined, req);
  compileRoutes([{ match: { destination: '*:80' }, action: ACTION }]).match(undefined, req);
  t.is(localAsked, 1);
});

const ARGUMENTS: Array<[string, Array<[string, string]>, string]> = [
  ['', [], ''],
  ['a=1', [['a', '1']], 'a=1'],
  [
    'a=1&b=2',
    [
      ['a', '1'],
      ['b', '2'],
    ],
    'a=1&b=2',
  ],
  ['a', [['a', '']], 'a'],
  ['a=', [['a', '']], 'a='],
  ['=x', [['', 'x']], '=x'],
  ['=', [], '='],
  ['&&', [], '&&'],
  [
    '&=&foo&==&',
    [
      ['foo', ''],
      ['', '='],
    ],
    '&=&foo&==&',
  ],
  ['a=b=c', [['a', 'b=c']], 'a=b=c'],
  ['a+b=c+d', [['a b', 'c d']], 'a b=c d'],
  ['a%20b=c%2Bd', [['a b', 'c+d']], 'a b=c+d'],
  [
    'a=%26&b=%3D',
    [
      ['a', '&'],
      ['b', '='],
    ],
    'a=&&b==',
  ],
  ['%3D%3D%3D', [['===', '']], '==='],
  ['a=%', [['a', '%']], 'a=%'],
  ['a=%2', [['a', '%2']], 'a=%2'],
  ['a=%zz', [['a', '%zz']], 'a=%zz'],
  ['a=%4g1', [['a', '%4g1']], 'a=%4g1'],
  ['%=%', [['%', '%']], '%=%'],
  ['a=%00', [['a', '\u0000']], 'a=\u0000'],
  ['%D0%AE=%d0%bd', [['\u00d0\u00ae', '\u00d0\u00bd']], '\u00d0\u00ae=\u00d0\u00bd'],
  [
    'x=1&x=2',
    [
      ['x', '1'],
      ['x', '2'],
    ],
    'x=1&x=2',
  ],
];

for (const [query, pairs, decoded] of ARGUMENTS) {
  test(`arguments of ${show(query)}`, (t) => {
    const args = parseArguments(query);
    t.deepEqual(
      args.names.map((n, i) => [n, args.values[i]]),
      pairs,
    );
    t.is(args.decoded, decoded);
    t.is(decodeQuery(query), decoded, 'decoding alone gives the same string');
  });
}

test('$arg_ takes the last argument of that name', (t) => {
  const args = parseArguments('foo_bar=l&foo_bar=4&bar');
  t.is(args.last('foo_bar'), '4');
  t.is(args.last('bar'), '');
  t.is(args.last('nope'), undefined);
  t.is(parseArguments(''), QueryArguments.empty);
});

const COOKIES: Array<[string[], Array<[string, string]>]> = [
  [[], []],
  [['a=1'], [['a', '1']]],
  [
    ['a=1; b=2'],
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [
    ['a=1;b=2'],
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [
    ['a=1', 'b=2'],
    [
      ['a', '1'],
      ['b', '2'],
    ],
  ],
  [['   foo=bar=baz   '], [['foo', 'bar=baz']]],
  [['=foo=bar'], [['', 'foo=bar']]],
  [['foo'], []],
  [['foo; bar=1'], [['bar', '1']]],
  [['a= 1 '], [['a', ' 1']]],
  [['a =1'], [['a ', '1']]],
  [['a=%41'], [['a', '%41']]],
  [['a=1;'], [['a', '1']]],
  [[''], []],
  [['='], [['', '']]],
];

for (const [headers, pairs] of COOKIES) {
  test(`cookies of ${show(headers)}`, (t) => {
    const raw = headers.flatMap((h) => ['Cookie', h]);
    const cookies = parseCookies(['Host', 'x', ...raw]);
    t.deepEqual(
      cookies.names.map((n, i) => [n, cookies.values[i]]),
      pairs,
    );
  });
}

test('$cookie_ takes the first cookie of that name; no Cookie header is the shared empty set', (t) => {
  const cookies = parseCookies(['cookie', 'a=1; a=2', 'COOKIE', 'b=3']);
  t.is(cookies.first('a'), '1');
  t.is(cookies.first('b'), '3');
  t.is(cookies.first('A'), undefined);
  t.is(parseCookies(['Host', 'x']), RequestCookies.empty);
});

test('header() finds the first value of a header, case-insensitively', (t) => {
  const req = new RouteRequest({
    method: 'GET',
    tls: false,
    host: '',
    path: '/',
    query: '',
    rawHeaders: ['X-Foo', '1', 'x-foo', '2', 'User-Agent', 'curl'],
    remote: null,
    local: null,
  });
  t.is(req.header('x-foo'), '1');
  t.is(req.header('user-agent'), 'curl');
  t.is(req.header('referer'), undefined);
});

const PEERS: Array<[string, number, string]> = [
  ['127.0.0.1', 80, '4 2130706433 0 0 0 80'],
  ['0.0.0.0', 0, '4 0 0 0 0 0'],
  ['255.255.255.255', 65535, '4 4294967295 0 0 0 65535'],
  ['::1', 1, '6 0 0 0 1 1'],
  ['::', 1, '6 0 0 0 0 1'],
  ['2001:db8::8:800:200c:417a', 1, '6 536939960 0 526336 537674106 1'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1, '6 4294967295 4294967295 4294967295 4294967295 1'],
  ['::ffff:10.1.2.3', 7, '4 167838211 0 0 0 7'],
  ['::ffff:a01:203', 7, '4 167838211 0 0 0 7'],
  ['fe80::1%eth0', 1, '6 4269801472 0 0 1 1'],
  ['1:2:3:4:5:6:1.2.3.4', 1, '6 65538 196612 327686 16909060 1'],
  ['10.0.0', 1, '0 0 0 0 0 0'],
  ['10.0.0.256', 1, '0 0 0 0 0 0'],
  ['1:2:3:4:5:6:7:8:9', 1, '0 0 0 0 0 0'],
  ['1::2::3', 1, '0 0 0 0 0 0'],
  [':1', 1, '0 0 0 0 0 0'],
  ['1:', 1, '0 0 0 0 0 0'],
  ['12345::', 1, '0 0 0 0 0 0'],
  ['', 1, '0 0 0 0 0 0'],
];

for (const [address, port, expected] of PEERS) {
  test(`peer address ${show(address)}`, (t) => {
    const p = PeerAddress.parse(address, port);
    t.is([p.family, p.w0, p.w1, p.w2, p.w3, p.port].join(' '), expected);
  });
}

const TYPES: Array<[unknown, string, boolean]> = [
  ['text/html', 'text/html', true],
  ['text/html', 'TEXT/HTML', true],
  ['TEXT/*', 'text/plain', true],
  [['image/*', '!image/svg+xml'], 'image/png', true],
  [['image/*', '!image/svg+xml'], 'image/SVG+XML', false],
  [['image/*', '!image/svg+xml'], 'text/html', false],
  ['!text/*', 'application/json', true],
  ['~^text/(html|css)$', 'text/css', true],
  ['~^text/(html|css)$', 'TEXT/CSS', false],
  ['', '', true],
  ['', 'text/html', false],
  [[], 'anything/at-all', true],
];

for (const [patterns, type, expected] of TYPES) {
  test(`share types ${show(patterns)} on ${show(type)}`, (t) => {
    t.is(compileTypesRule(patterns, 'routes/0/action/types')(type), expected);
  });
}

test('share types are refused like any pattern', (t) => {
  const error = t.throws(() => compileTypesRule(['text/*', 7], 'routes/0/action/types'), { instanceOf: RouteCompileError });
  t.is(error?.message, 'Cannot compile "routes/0/action/types/1": expected a pattern string, not number 7');
});
