// HTTP/1.1 as the router speaks it, with real (and badly behaved) clients:
// keep-alive, pipelining, HEAD, hardening, request-target normalisation,
// limits and timeouts.
import path from 'node:path';

import test from 'ava';

import { backend, exchange, raw, request } from './helpers/http.js';
import { scaled } from './helpers/machine.js';
import { freePort } from './helpers/ports.js';
import { applyConfig, startWithConfig } from './helpers/router.js';

const weftApps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');

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
    [
      'Content-Length with Transfer-Encoding',
      'POST /proxy/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n', 400],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n', 400],
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

test('a request without Host is served, HTTP/1.0 or 1.1 (as Unit: $host is empty)', async (t) => {
  const { port } = await server(t);
  t.regex(await raw({ port }, 'GET /x HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /);
  t.regex(await raw({ port }, 'GET /x HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
});

test("Unit's answers on both accepting paths (an application process's own listener and the router): bodies, versions, CONNECT, header limits", async (t) => {
  const direct = await freePort();
  const routed = await freePort();
  const w = await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${direct}`]: { pass: 'routes/site' },
      // A variable only the router can resolve keeps the router in the path.
      [`127.0.0.1:${routed}`]: { pass: 'routes/site$arg_weft_unused' },
    },
    routes: { site: [{ match: { host: ['app.example', ''] }, action: { pass: 'applications/echo' } }] },
    applications: { echo: { type: 'node', script: path.join(weftApps, 'echo-head.js'), processes: 1 } },
  });
  const H = 'Host: app.example';
  const chunked = `POST /x HTTP/1.1\r\n${H}\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const cases: Array<[string, string, number]> = [
    ['no Host in HTTP/1.1: served', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 200],
    ['a bad chunk size', `${chunked}zz\r\nab\r\n0\r\n\r\n`, 400],
    ['chunk data longer than its size', `${chunked}2\r\nabcdef\r\n0\r\n\r\n`, 400],
    ['Transfer-Encoding: xchunked', `POST /x HTTP/1.1\r\n${H}\r\nTransfer-Encoding: xchunked\r\n\r\n`, 400],
    ['HTTP/2.0 on HTTP/1', `GET / HTTP/2.0\r\n${H}\r\n\r\n`, 505],
    ['CONNECT', `CONNECT app.example:443 HTTP/1.1\r\n${H}\r\n\r\n`, 400],
    ['a field of 9000 bytes (over large_header_buffer_size)', `GET / HTTP/1.1\r\n${H}\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`, 431],
    ['a request line of 9000 bytes', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n\r\n`, 414],
    [
      'a head over 4 x 8 KiB',
      `GET / HTTP/1.1\r\n${H}\r\n${[1, 2, 3, 4, 5].map((i) => `X-${i}: ${'b'.repeat(7000)}\r\n`).join('')}\r\n`,
      431,
    ],
    ['CL+TE stays refused', `POST /x HTTP/1.1\r\n${H}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['a NUL stays refused', `GET / HTTP/1.1\r\n${H}\r\nX-Nul: a\x00b\r\n\r\n`, 400],
  ];
  const check = async (label: string): Promise<void> => {
    for (const [what, text, status] of cases) {
      for (const [name, port] of [
        ['direct', direct],
        ['routed', routed],
      ] as const) {
        const answer = await raw({ port }, text);
        t.regex(answer, new RegExp(`^HTTP/1\\.1 ${status} `), `${label} ${name}: ${what}`);
      }
    }
  };
  await check('defaults');
  // The limits follow the settings: 4 x 16 KiB takes what 4 x 8 KiB refused.
  await applyConfig(w, { http: { large_header_buffer_size: 16384, large_header_buffers: 4 } }, '/config/settings');
  for (const port of [direct, routed]) {
    t.regex(await raw({ port }, `GET / HTTP/1.1\r\n${H}\r\nConnection: close\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`), /^HTTP\/1\.1 200 /);
  }
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
  await request({ port: s.port }, '/proxy/h', { headers: { X_Under: 'u', 'X-Fine': 'f' } });
  const seen = s.upstreamHeaders[s.upstreamHeaders.length - 1];
  t.is(seen['x-fine'], 'f');
  t.is(seen['x_under'], undefined);
});
