// HTTP/1.1 as the router speaks it, with real (and badly behaved) clients:
// keep-alive, pipelining, HEAD, hardening, request-target normalisation,
// limits and timeouts.
import test from 'ava';

import { backend, exchange, raw, request } from './helpers/http.js';
import { scaled } from './helpers/machine.js';
import { freePort } from './helpers/ports.js';
import { startWithConfig } from './helpers/router.js';

interface Server {
  port: number;
  upstreamHeaders: Array<Record<string, unknown>>;
}


// One weftd per test, each with short timeouts so slow clients are quick to test.
async function server(t: Parameters<typeof startWithConfig>[0]): Promise<Server> {
  const upstreamHeaders: Array<Record<string, unknown>> = [];
  const up = await backend(t, (req, res) => {
    upstreamHeaders.push(req.headers);
    req.resume();
    req.on('end', () => res.end(`upstream saw ${req.method} ${req.url}`));
  });
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    settings: {
      http: { header_read_timeout: 1, body_read_timeout: 1, idle_timeout: 1, max_body_size: 1000, send_timeout: 5 },
    },
    routes: [
      { match: { uri: '/proxy/*' }, action: { proxy: `http://127.0.0.1:${up.port}` } },
      { match: { uri: '/b' }, action: { return: 200, response_headers: { 'X-Uri': '$uri' } } },
      { action: { return: 200, response_headers: { 'X-Uri': '$uri' } } },
    ],
  });
  return { port, upstreamHeaders };
}

test('keep-alive and pipelining: several requests on one connection, answered in order', async (t) => {
  const { port } = await server(t);
  const text = await raw(
    { port },
    'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  const uris = [...text.matchAll(/X-Uri: (\S+)/g)].map((m) => m[1]);
  t.deepEqual(uris, ['/one', '/two', '/three']);
  t.is(text.match(/HTTP\/1\.1 200 OK/g)?.length, 3);
});

test('HEAD gets the headers without a body', async (t) => {
  const { port } = await server(t);
  const text = await raw({ port }, 'HEAD /nope-but-200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.regex(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.true(text.endsWith('\r\n\r\n'));
});

test('the request target is decoded and normalised once before matching', async (t) => {
  const { port } = await server(t);
  const cases: Array<[string, number, string?]> = [
    ['/a/../b', 200, '/b'],
    ['/a/./b/', 200, '/a/b/'],
    ['//a//b', 200, '/a/b'],
    ['/%62', 200, '/b'],
    ['/a/%2e%2e/b', 200, '/b'],
    ['/../etc/passwd', 400],
    ['/%2e%2e/etc/passwd', 400],
    ['/a/%2e%2e/%2e%2e/x', 400],
    ['/%00', 400],
    ['/%zz', 400],
  ];
  for (const [target, status, uri] of cases) {
    const text = await raw({ port }, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    t.regex(text, new RegExp(`^HTTP/1\\.1 ${status} `), target);
    if (uri) t.true(text.includes(`X-Uri: ${uri}\r\n`), `${target} -> ${uri}`);
  }
});

test('malformed requests are refused with 400 (or 431) and the connection closed', async (t) => {
  const { port } = await server(t);
  const bad: Array<[string, string, number]> = [
    ['Content-Length with Transfer-Encoding', 'POST /proxy/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n', 400],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n', 400],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a Host with a slash', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400],
    ['headers too large', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`, 431],
    ['not HTTP', 'HELLO\r\n\r\n', 400],
  ];
  for (const [what, text, status] of bad) {
    const answer = await raw({ port }, text);
    t.regex(answer, new RegExp(`^HTTP/1\\.1 ${status} `), what);
    t.true(answer.includes(`<title>Error ${status}</title>`), what);
  }
});

test('an HTTP/1.0 request without Host is fine', async (t) => {
  const { port } = await server(t);
  t.regex(await raw({ port }, 'GET /x HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /);
});

test('max_body_size: a declared body too large is 413; so is a chunked one that grows too large', async (t) => {
  const { port } = await server(t);
  const declared = await raw({ port }, 'POST /proxy/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n');
  t.regex(declared, /^HTTP\/1\.1 413 /);
  const chunk = 'a'.repeat(600);
  const streamed = await raw(
    { port },
    `POST /proxy/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
  );
  t.regex(streamed, /^HTTP\/1\.1 413 /);
  const fine = await request({ port }, '/proxy/ok', { method: 'POST', body: 'x'.repeat(1000) });
  t.is(fine.status, 200);
});

test('header_read_timeout: a client that stops mid-header gets 408', async (t) => {
  const { port } = await server(t);
  const text = await raw({ port }, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', { timeoutMs: scaled(8000) });
  t.regex(text, /^HTTP\/1\.1 408 /);
});

test('body_read_timeout: a client that stops mid-body gets 408', async (t) => {
  const { port } = await server(t);
  const text = await raw({ port }, 'POST /proxy/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab', { timeoutMs: scaled(8000) });
  t.regex(text, /^HTTP\/1\.1 408 /);
});

test('idle_timeout closes a keep-alive connection that sends nothing more', async (t) => {
  const { port } = await server(t);
  const { text, endedBy } = await exchange({ port }, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: scaled(8000) });
  t.regex(text, /^HTTP\/1\.1 200 /);
  t.is(endedBy, 'server', 'the server closed the connection, not the client');
});

test('discard_unsafe_fields: header names beyond letters, digits and "-" are dropped', async (t) => {
  const s = await server(t);
  await request({ port: s.port }, '/proxy/h', { headers: { 'X_Under': 'u', 'X-Fine': 'f' } });
  const seen = s.upstreamHeaders[s.upstreamHeaders.length - 1];
  t.is(seen['x-fine'], 'f');
  t.is(seen['x_under'], undefined);
});
