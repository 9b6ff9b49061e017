// Variable templates, "if" conditions and "rewrite".
import test from 'ava';

import { ErrorCodes } from '../src/errors.js';
import {
  compileCondition,
  compileRewrite,
  compileTemplate,
  formatRequestTime,
  formatTimeLocal,
  newRequestId,
  parseRequestTarget,
  responseHeaderKey,
  RouteCompileError,
  RouteRequest,
  rewrittenPath,
  TargetErrors,
} from '../src/request/routing/index.js';
import type { VariableContext } from '../src/request/routing/index.js';

/** A context over fixed values that counts what was asked of it. */
class FakeContext implements VariableContext {
  readonly asked: string[] = [];
  method = 'GET';
  host = 'localhost';
  remoteAddr = '127.0.0.1';
  requestUri = '/blah%25blah?a=b';
  requestLine = 'GET /blah%25blah?a=b HTTP/1.1';
  uriValue = '/blah%blah';
  headers: Record<string, string> = { 'user-agent': 'curl/8.0', 'foo-bar': '1', foo: 'b', referer: '' };
  cookies: Record<string, string> = { foo_bar: '1', foo: 'la' };
  args: Record<string, string> = { foo_bar: '4', foo: 'h', empty: '' };
  responseHeaders: Record<string, string> = { content_type: 'text/html', server: 'Weft' };
  statusValue = 200;

  get uri(): string {
    this.asked.push('uri');
    return this.uriValue;
  }
  requestId(): string {
    this.asked.push('requestId');
    return '0123456789abcdef0123456789abcdef';
  }
  status(): number {
    this.asked.push('status');
    return this.statusValue;
  }
  bodyBytesSent(): number {
    this.asked.push('bodyBytesSent');
    return 1234;
  }
  requestTime(): number {
    this.asked.push('requestTime');
    return 1234.9;
  }
  timeLocal(): string {
    this.asked.push('timeLocal');
    return '27/Nov/2026:05:03:38 +0000';
  }
  header(name: string): string | undefined {
    this.asked.push(`header:${name}`);
    return this.headers[name];
  }
  cookie(name: string): string | undefined {
    this.asked.push(`cookie:${name}`);
    return this.cookies[name];
  }
  arg(name: string): string | undefined {
    this.asked.push(`arg:${name}`);
    return this.args[name];
  }
  responseHeader(key: string): string | undefined {
    this.asked.push(`responseHeader:${key}`);
    return this.responseHeaders[key];
  }
}

const TEMPLATES: Array<[string, string, string[]]> = [
  ['plain text', 'plain text', []],
  ['', '', []],
  ['$uri', '/blah%blah', ['uri']],
  ['${uri}', '/blah%blah', ['uri']],
  ['$uri$method', '/blah%blahGET', ['uri']],
  ['${uri}${method}', '/blah%blahGET', ['uri']],
  ['${uri}$method', '/blah%blahGET', ['uri']],
  ['$method$method', 'GETGET', []],
  ['https://${host}${uri}path${dollar}dollar', 'https://localhost/blah%blahpath$dollar', ['uri']],
  ['path$dollar${dollar}', 'path$$', []],
  ['$dollar', '$', []],
  ['$host', 'localhost', []],
  ['$remote_addr', '127.0.0.1', []],
  ['$request_uri', '/blah%25blah?a=b', []],
  ['$request_line', 'GET /blah%25blah?a=b HTTP/1.1', []],
  ['$request_id $request_id', '0123456789abcdef0123456789abcdef 0123456789abcdef0123456789abcdef', ['requestId', 'requestId']],
  ['$status', '200', ['status']],
  ['$body_bytes_sent', '1234', ['bodyBytesSent']],
  ['$request_time', '1.234', ['requestTime']],
  ['[$time_local]', '[27/Nov/2026:05:03:38 +0000]', ['timeLocal']],
  ['$header_user_agent', 'curl/8.0', ['header:user-agent']],
  ['$header_foo_bar', '1', ['header:foo-bar']],
  ['$header_Foo_Bar', '1', ['header:foo-bar']],
  ['$header_referer', '', ['header:referer']],
  ['$header_missing', '', ['header:missing']],
  ['$header_foo$cookie_foo$arg_foo', 'blah', ['header:foo', 'cookie:foo', 'arg:foo']],
  ['$cookie_foo_bar', '1', ['cookie:foo_bar']],
  ['$cookie_Foo_bar', '', ['cookie:Foo_bar']],
  ['$arg_foo_bar', '4', ['arg:foo_bar']],
  ['$arg_empty|', '|', ['arg:empty']],
  ['$arg_Foo_bar', '', ['arg:Foo_bar']],
  ['$response_header_content_type', 'text/html', ['responseHeader:content_type']],
  ['$response_header_Content_Type', 'text/html', ['responseHeader:content_type']],
  ['$response_header_server@$response_header_date', 'Weft@', ['responseHeader:server', 'responseHeader:date']],
  ['$uri.bak', '/blah%blah.bak', ['uri']],
  ['${host}_x', 'localhost_x', []],
  ['$host_x', '', []],
  ['/srv/données$uri', '/srv/donn\u00c3\u00a9es/blah%blah', ['uri']],
  ['a$uri-b$uri-c$method-d', 'a/blah%blah-b/blah%blah-cGET-d', ['uri', 'uri']],
  ['$arg_foo2', 'h2', ['arg:foo']],
  ['${arg_foo_bar}2', '42', ['arg:foo_bar']],
];

for (const [text, expected, asked] of TEMPLATES) {
  test(`template ${JSON.stringify(text)}`, (t) => {
    if (text === '$host_x') {
      // "host_x" is no variable: the name runs to the end of [A-Za-z0-9_].
      t.throws(() => compileTemplate(text), { message: 'Cannot compile: Unknown variable "host_x" in the template "$host_x"' });
      return;
    }
    const template = compileTemplate(text);
    const ctx = new FakeContext();
    t.is(template(ctx), expected);
    t.deepEqual(ctx.asked, asked, 'only the variables the template names are evaluated');
    t.is(template.source, text);
  });
}

test('a template without variables is a constant, and says so', (t) => {
  t.is(compileTemplate('/static/index.html').constant, '/static/index.html');
  t.is(compileTemplate('cost: $dollar5').constant, 'cost: $5');
  t.is(compileTemplate('').constant, '');
  t.is(compileTemplate('/x/$uri').constant, undefined);
  t.is(compileTemplate('é').constant, '\u00c3\u00a9', 'literal text becomes UTF-8 bytes');
});

// The wording is parseTemplate's (src/config/variables.ts), which follows Unit.
const BAD_TEMPLATES: Array<[string, string]> = [
  ['$foo', 'Unknown variable "foo"'],
  ['${uri', 'Invalid variable at position 0'],
  ['$', 'Invalid variable at position 0'],
  ['${}', 'Invalid variable at position 0'],
  ['${a-b}', 'Invalid variable at position 0'],
  ['$arg_', 'Unknown variable "arg_"'],
  ['$header_', 'Unknown variable "header_"'],
  ['/x$ ', 'Invalid variable at position 2'],
  ['é$', 'Invalid variable at position 2'],
];

for (const [text, message] of BAD_TEMPLATES) {
  test(`bad template ${JSON.stringify(text)}`, (t) => {
    const error = t.throws(() => compileTemplate(text, 'routes/0/action/share'), { instanceOf: RouteCompileError });
    t.is(error?.code, ErrorCodes.ROUTE_COMPILE);
    t.is(error?.path, 'routes/0/action/share');
    t.is(error?.message, `Cannot compile "routes/0/action/share": ${message} in the template "${text}"`);
  });
}

test('$status has three digits, $request_time seconds with three decimals', (t) => {
  const ctx = new FakeContext();
  const status = compileTemplate('$status');
  ctx.statusValue = 418;
  t.is(status(ctx), '418');
  ctx.statusValue = 5;
  t.is(status(ctx), '005');
  t.is(formatRequestTime(0), '0.000');
  t.is(formatRequestTime(7), '0.007');
  t.is(formatRequestTime(999.99), '0.999');
  t.is(formatRequestTime(1000), '1.000');
  t.is(formatRequestTime(61001), '61.001');
  t.is(formatRequestTime(-3), '0.000');
});

test('$time_local is the local time with its offset', (t) => {
  const saved = process.env.TZ;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  const instant = new Date(Date.UTC(2026, 10, 27, 5, 3, 38));
  process.env.TZ = 'UTC';
  t.is(formatTimeLocal(instant), '27/Nov/2026:05:03:38 +0000');
  process.env.TZ = 'Asia/Kolkata';
  t.is(formatTimeLocal(instant), '27/Nov/2026:10:33:38 +0530');
  process.env.TZ = 'America/New_York';
  t.is(formatTimeLocal(instant), '27/Nov/2026:00:03:38 -0500');
  t.is(formatTimeLocal(new Date(Date.UTC(2026, 0, 1, 3, 0, 0))), '31/Dec/2025:22:00:00 -0500');
});

test('request ids are 32 hex digits and differ', (t) => {
  const ids = new Set(Array.from({ length: 100 }, () => newRequestId()));
  t.is(ids.size, 100);
  for (const id of ids) t.regex(id, /^[0-9a-f]{32}$/);
});

test('response header keys fold case and read "-" as "_"', (t) => {
  t.is(responseHeaderKey('Content-Type'), 'content_type');
  t.is(responseHeaderKey('X_Custom-Header'), 'x_custom_header');
  t.is(responseHeaderKey('server'), 'server');
});

const CONDITIONS: Array<[string, Record<string, string>, boolean]> = [
  ['', {}, false],
  ['0', {}, false],
  ['false', {}, false],
  ['undefined', {}, false],
  ['null', {}, false],
  ['!', {}, true],
  ['!null', {}, true],
  ['1', {}, true],
  ['yes', {}, true],
  ['False', {}, true],
  ['00', {}, true],
  ['$arg_foo', {}, false],
  ['$arg_foo', { foo: '' }, false],
  ['$arg_foo', { foo: '1' }, true],
  ['$arg_foo', { foo: '0' }, false],
  ['!$arg_foo', {}, true],
  ['!$arg_foo', { foo: '' }, true],
  ['!$arg_foo', { foo: '1' }, false],
  ['$arg_foo$arg_bar', { bar: 'x' }, true],
];

for (const [text, args, expected] of CONDITIONS) {
  test(`condition ${JSON.stringify(text)} with ${JSON.stringify(args)}`, (t) => {
    const ctx = new FakeContext();
    ctx.args = args;
    t.is(compileCondition(text)(ctx), expected);
  });
}

function routeRequest(target: string): RouteRequest {
  const parsed = parseRequestTarget(target);
  if (!parsed.ok) throw new Error(parsed.reason);
  return new RouteRequest({
    method: 'GET',
    tls: false,
    host: 'localhost',
    path: parsed.path,
    query: parsed.query,
    rawHeaders: [],
    remote: null,
    local: null,
  });
}

/** The context a router would give: $uri is the request's current path. */
function contextOf(req: RouteRequest): VariableContext {
  const ctx = new FakeContext();
  Object.defineProperty(ctx, 'uri', { get: () => req.path });
  return ctx;
}

const REWRITES: Array<[string, string, { path: string } | { error: string }]> = [
  ['/new', '/old?a=b', { path: '/new' }],
  ['/foo${uri}/', '/bar', { path: '/foo/bar/' }],
  ['/foo%2Ffoo', '/blah%2Fblah?a=b', { path: '/foo/foo' }],
  ['/a/../b', '/x', { path: '/b' }],
  ['/a//./b/', '/x', { path: '/a/b/' }],
  ['/x?y=1', '/old?q=2', { path: '/x' }],
  ['/x#frag', '/old', { path: '/x' }],
  ['/v1$uri', '/index.php', { path: '/v1/index.php' }],
  ['$uri', '/a%2525', { path: '/a%' }],
  ['$uri', '/a%25', { error: TargetErrors.escape }],
  ['$uri', '/%252e%252e/x', { error: TargetErrors.aboveRoot }],
  ['/static$uri', '/%252e%252e/%252e%252e/etc', { error: TargetErrors.aboveRoot }],
  ['/static$uri', '/%252e%252e/etc', { path: '/etc' }],
  ['/static$uri', '/a%0d%0a', { path: '/static/a\r\n' }],
  ['/caf%C3%A9', '/x', { path: '/caf\u00c3\u00a9' }],
  ['/café', '/x', { path: '/caf\u00c3\u00a9' }],
  ['index.php', '/x', { error: 'the rewritten URI must begin with "/"' }],
  ['', '/x', { error: 'the rewritten URI must begin with "/"' }],
  ['http://example.com/x', '/x', { error: TargetErrors.absolute }],
  ['/..', '/x', { error: TargetErrors.aboveRoot }],
  ['/%00', '/x', { error: TargetErrors.nul }],
];

for (const [template, target, expected] of REWRITES) {
  test(`rewrite ${JSON.stringify(template)} of ${JSON.stringify(target)}`, (t) => {
    const req = routeRequest(target);
    const before = { path: req.path, query: req.query };
    const result = compileRewrite(template)(req, contextOf(req));
    if ('path' in expected) {
      t.deepEqual(result, { ok: true, path: expected.path });
      t.is(req.path, expected.path);
    } else {
      const value = template.replace('$uri', before.path);
      t.deepEqual(result, { ok: false, reason: `rewrite to "${value}" failed: ${expected.error}` });
      t.is(req.path, before.path, 'a failed rewrite leaves the path');
    }
    t.is(req.query, before.query, 'the query is kept');
  });
}

test('a constant rewrite is decoded once, at compile time', (t) => {
  t.deepEqual(rewrittenPath('/a%20b'), { ok: true, path: '/a b' });
  const rewrite = compileRewrite('/fixed');
  const req = routeRequest('/x');
  t.deepEqual(rewrite(req, contextOf(req)), { ok: true, path: '/fixed' });
  t.is(rewrite(req, contextOf(req)), rewrite(routeRequest('/y'), contextOf(req)), 'the same result object');
});

test('a rewrite template with an unknown variable is refused with its path', (t) => {
  const error = t.throws(() => compileRewrite('/x/$nope', 'routes/main/2/action/rewrite'), { instanceOf: RouteCompileError });
  t.is(error?.message, 'Cannot compile "routes/main/2/action/rewrite": Unknown variable "nope" in the template "/x/$nope"');
});
