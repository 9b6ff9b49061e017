// The request head the router reads from a connection's first bytes to
// decide who serves the connection (request/request-head.ts): complete,
// ordinary heads are read as Node would; anything else is "unknown" (the
// connection then takes the router's own path, where Node's parser judges).
import test from 'ava';

import { readRequestHead } from '../src/request/request-head.js';

const head = (text: string, limit = 8192): ReturnType<typeof readRequestHead> => readRequestHead(Buffer.from(text, 'latin1'), limit);

test('a complete head: request line and fields, values trimmed of blanks, the body left alone', (t) => {
  t.deepEqual(head('POST /a?b=1 HTTP/1.1\r\nHost:  app.example \r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\nbody bytes'), {
    method: 'POST',
    url: '/a?b=1',
    versionMajor: 1,
    versionMinor: 1,
    rawHeaders: ['Host', 'app.example', 'X-Empty', '', 'X-Tab', 'v'],
  });
  t.is(head('GET / HTTP/1.0\r\n\r\n')?.versionMinor, 0);
});

test('anything unusual is unknown: incomplete, too large, folded, bare LF, NUL, odd names or request lines', (t) => {
  for (const text of [
    'GET / HTTP/1.1\r\nHost: x',
    'GET / HTTP/1.1\r\nHost: x\r\n',
    'GET / HTTP/1.1\r\n fold\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n',
    'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n',
    'GET / HTTP/1.1\r\n: x\r\n\r\n',
    'get / HTTP/1.1\r\n\r\n',
    'GET  / HTTP/1.1\r\n\r\n',
    'GET / HTTP/11\r\n\r\n',
    'GET /\r\n\r\n',
  ]) {
    t.is(head(text), undefined, JSON.stringify(text));
  }
  t.is(head(`GET / HTTP/1.1\r\nX: ${'y'.repeat(100)}\r\n\r\n`, 64), undefined, 'past the limit');
});

test('a long run of blanks in a value is read in one pass (no backtracking) and trimmed', (t) => {
  const r = head(`GET / HTTP/1.1\r\nA: ${' '.repeat(30000)}x${' '.repeat(30000)}\r\n\r\n`, 65536);
  t.deepEqual(r?.rawHeaders, ['A', 'x']);
});
