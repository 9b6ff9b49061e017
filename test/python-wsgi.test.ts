// The Python runtime serving a WSGI app (PEP 3333), started as Weft's
// prototype starts it, through Weft's frames transport (a stand-in router:
// helpers/frames-router.ts) and through HTTP/1.1 on an adopted connection
// (what today's router sends).
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { raw, request } from './helpers/http.js';
import { framesRouter } from './helpers/frames-router.js';
import { pythonFixtures, startPython } from './helpers/python-app.js';

async function wsgi(t: Parameters<typeof startPython>[0], config: Record<string, unknown> = {}) {
  const app = await startPython(t, { config: { module: 'wsgi_app', ...config } });
  await app.ready;
  const router = await framesRouter(t, app);
  return { app, port: router.port, router };
}

test('environ: every CGI and wsgi member, headers folded, prefix split off', async (t) => {
  const { port } = await wsgi(t, { prefix: '/pre' });
  const r = await request({ port }, '/pre/environ?a=1&b=%20x', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'X-Two': 'one', Cookie: 'a=1', X_Under: 'dropped' },
    body: 'abc',
  });
  t.is(r.status, 200);
  const env = JSON.parse(r.text) as Record<string, unknown>;
  t.is(env.REQUEST_METHOD, 'POST');
  t.is(env.SCRIPT_NAME, '/pre');
  t.is(env.PATH_INFO, '/environ');
  t.is(env.QUERY_STRING, 'a=1&b=%20x');
  t.is(env.REQUEST_URI, '/pre/environ?a=1&b=%20x');
  t.is(env.CONTENT_TYPE, 'text/plain');
  t.is(env.CONTENT_LENGTH, '3');
  t.is(env.SERVER_NAME, '127.0.0.1');
  t.is(env.SERVER_PORT, String(port));
  t.is(env.SERVER_PROTOCOL, 'HTTP/1.1');
  t.is(env.REMOTE_ADDR, '127.0.0.1');
  t.regex(String(env.REMOTE_PORT), /^\d+$/);
  t.is(env.HTTP_X_TWO, 'one');
  t.is(env.HTTP_COOKIE, 'a=1');
  t.is(env.HTTP_HOST, `127.0.0.1:${port}`);
  t.false('HTTP_X_UNDER' in env, 'a name with "_" is left out');
  t.false('HTTP_CONTENT_TYPE' in env);
  t.is(env['wsgi.url_scheme'], 'http');
  t.deepEqual(env['wsgi.version'], [1, 0]);
  t.false(env['wsgi.multithread']);
  t.true(env['wsgi.multiprocess']);
  t.false(env['wsgi.run_once']);
  t.true(env['wsgi.input_terminated']);
  t.true(env.has_file_wrapper);
  t.true(env.errors_writable);
  // Repeated fields are joined (", "; "; " for Cookie); outside the prefix nothing is split off.
  const repeated = await raw(
    { port },
    `GET /environ HTTP/1.1\r\nHost: h.example:81\r\nX-Many: 1\r\nX-Many: 2\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n`,
  );
  const env2 = JSON.parse(repeated.slice(repeated.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  t.is(env2.HTTP_X_MANY, '1, 2');
  t.is(env2.HTTP_COOKIE, 'a=1; b=2');
  t.is(env2.SCRIPT_NAME, '');
  t.is(env2.PATH_INFO, '/environ');
  t.is(env2.SERVER_NAME, 'h.example');
  t.false('CONTENT_LENGTH' in env2);
});

test('a percent-decoded path reaches PATH_INFO as latin-1 of its bytes', async (t) => {
  const { port } = await wsgi(t);
  const r = await request({ port }, '/environ/caf%C3%A9%20x%2Fy');
  const env = JSON.parse(r.text) as Record<string, string>;
  t.is(env.PATH_INFO, Buffer.from('/environ/café x/y', 'utf8').toString('latin1'));
  t.is(env.REQUEST_URI, '/environ/caf%C3%A9%20x%2Fy');
});

test('wsgi.input streams: read(n), readline, readlines, iteration, chunked bodies', async (t) => {
  const { port } = await wsgi(t);
  const body = 'line one\nline two\nlast';
  const expect = {
    all: [body],
    sized: ['lin', 'e o', 'ne\n', 'lin', 'e t', 'wo\n', 'las', 't'],
    readline: ['line one\n', 'line two\n', 'last'],
    readlines: ['line one\n', 'line two\n', 'last'],
    iter: ['line one\n', 'line two\n', 'last'],
  };
  for (const [mode, pieces] of Object.entries(expect)) {
    const r = await request({ port }, `/echo?mode=${mode}`, { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
    t.deepEqual((JSON.parse(r.text) as { pieces: string[] }).pieces, pieces, mode);
  }
  // Chunked: no CONTENT_LENGTH, the input ends where the body does.
  const chunked = await raw(
    { port },
    'POST /echo?mode=readline HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      '5\r\nab\ncd\r\n3\r\nef\n\r\n1\r\ng\r\n0\r\n\r\n',
  );
  const seen = JSON.parse(chunked.slice(chunked.indexOf('\r\n\r\n') + 4)) as { pieces: string[]; length: string | null };
  t.deepEqual(seen.pieces, ['ab\n', 'cdef\n', 'g']);
  t.is(seen.length, null);
  // A body the app never reads is drained, and the connection goes on.
  const skipped = await raw(
    { port },
    'POST /echo?mode=none HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /closed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  t.is(skipped.split('HTTP/1.1 200').length, 3, skipped);
});

test('write(), close() always called, file_wrapper, exc_info, status and repeated headers', async (t) => {
  const { port } = await wsgi(t);
  t.is((await request({ port }, '/write')).text, 'written then returned');
  t.is((await request({ port }, '/close?tag=one')).text, 'ab');
  // The head went out with the first block: the answer is cut short, not replaced.
  await t.throwsAsync(request({ port }, '/close-fail?tag=two'));
  t.deepEqual(JSON.parse((await request({ port }, '/closed')).text), ['one', 'two']);
  const data = fs.readFileSync(path.join(pythonFixtures, 'data.txt'));
  const file = await request({ port }, '/file');
  t.is(file.status, 200);
  t.is(file.headers['content-length'], String(data.length));
  t.true(file.body.equals(data));
  const offset = await request({ port }, '/file?offset=1000');
  t.true(offset.body.equals(data.subarray(1000)));
  t.is((await request({ port }, '/file-like')).text, 'from a file-like object');
  const replaced = await request({ port }, '/exc-info');
  t.is(replaced.status, 503);
  t.is(replaced.headers['x-replaced'], 'yes');
  t.is(replaced.text, 'replaced');
  const headers = await raw({ port }, 'GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.regex(headers, /^HTTP\/1\.1 201 /);
  t.regex(headers, /\r\nX-Multi: one\r\nX-Multi: two\r\n/);
  t.regex(headers, /\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n/);
  const empty = await request({ port }, '/empty');
  t.is(empty.status, 204);
  t.is(empty.headers['content-length'], undefined);
  // HEAD: the headers, no body.
  const head = await request({ port }, '/write', { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.body.length, 0);
});

test('an exception in the app: traceback in the log, 500, the process goes on', async (t) => {
  const { app, port } = await wsgi(t);
  const r = await request({ port }, '/fail');
  t.is(r.status, 500);
  t.is(r.text, '<!DOCTYPE html><title>Error 500</title><p>Error 500.\r\n');
  await app.waitForLog(
    /\[error\] \d+#\d+ "py" application: the app failed on GET \/fail:\n {4}Traceback \(most recent call last\):[\s\S]*ValueError: the app broke on purpose/,
  );
  // After the head: the answer is aborted (the client sees it cut), close() still runs.
  await t.throwsAsync(request({ port }, '/fail-late'));
  t.deepEqual(JSON.parse((await request({ port }, '/closed')).text), ['late']);
  // start_response twice, a header with CR LF: 500, never a split answer.
  t.is((await request({ port }, '/twice')).status, 500);
  const bad = await raw({ port }, 'GET /bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.regex(bad, /^HTTP\/1\.1 500 /);
  t.notRegex(bad, /Injected/);
  t.is(app.child.exitCode, null);
  t.is((await request({ port }, '/write')).text, 'written then returned');
});

test('wsgi.errors goes to the log, line by line', async (t) => {
  const { app, port } = await wsgi(t);
  await request({ port }, '/errors');
  await app.waitForLog(/\[error\] \d+#\d+ "py" application: a line for the log\n/);
  await app.waitForLog(/\[error\] \d+#\d+ "py" application: partial then whole\n/);
  t.pass();
});

test('threads: requests run at once on a pool (four meet at a barrier), wsgi.multithread', async (t) => {
  const { port } = await wsgi(t, { threads: 4 });
  const answers = await Promise.all([1, 2, 3, 4].map(() => request({ port }, '/barrier?n=4')));
  const names = answers.map((a) => JSON.parse(a.text) as string);
  t.is(new Set(names).size, 4, names.join(' '));
  t.true(names.every((n) => n.startsWith('weft-wsgi-')));
  const env = JSON.parse((await request({ port }, '/environ')).text) as Record<string, unknown>;
  t.true(env['wsgi.multithread']);
  // thread_stack_size: requests run on pool threads made with that stack (one thread here).
  const sized = await wsgi(t, { thread_stack_size: 262144 });
  t.is(JSON.parse((await request({ port: sized.port }, '/barrier?n=1')).text), 'weft-wsgi-0');
});

test('8 MiB up and down through frames, streamed: the process holds a few chunks, not the body', async (t) => {
  const { port } = await wsgi(t, { processes: 1 });
  const baseline = (JSON.parse((await request({ port }, '/rss')).text) as { rss_kib: number }).rss_kib;
  const upload = await request({ port }, '/upload', { method: 'POST', body: Buffer.alloc(8 << 20, 1) });
  const up = JSON.parse(upload.text) as { bytes: number; rss_kib: number };
  t.is(up.bytes, 8 << 20);
  // Holding the body would add 8 MiB; a few 64 KiB chunks stay well under 4.
  t.true(up.rss_kib - baseline < 4096, `RSS grew by ${up.rss_kib - baseline} KiB`);
  const download = await request({ port }, '/download?size=65536&chunks=128');
  t.is(download.body.length, 128 * 65536);
  t.is(download.body[0], 65);
  t.is(download.body[65536], 66);
  const after = (JSON.parse((await request({ port }, '/rss')).text) as { rss_kib: number }).rss_kib;
  t.true(after - baseline < 4096, `RSS grew by ${after - baseline} KiB`);
});

test('keep-alive: many requests in sequence on one frames connection', async (t) => {
  const { port, router } = await wsgi(t);
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 50; i++) {
    const r = await request({ port }, `/echo?mode=all`, { method: 'POST', body: `n${i}`, agent });
    t.deepEqual((JSON.parse(r.text) as { pieces: string[] }).pieces, [`n${i}`]);
  }
  t.is(router.opened(), 1);
});

test("HTTP/1.1 on an adopted connection (today's routed mode): pipelined requests, the client from x-weft-client", async (t) => {
  const app = await startPython(t, { config: { module: 'wsgi_app' } });
  await app.ready;
  const socket = app.adopt('http');
  t.teardown(() => socket.destroy());
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.write(
    'POST /echo HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 3\r\nx-weft-client: 10.0.0.7 4242 https\r\n\r\nabc' +
      'GET /environ HTTP/1.1\r\nHost: h:8080\r\nx-weft-client: 10.0.0.8 4343 https\r\n\r\n',
  );
  await app.until(() => (text.split('HTTP/1.1 200 OK').length === 3 && text.endsWith('}') ? true : undefined), 'two answers');
  const env = JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4)) as Record<string, string>;
  t.is(env.REMOTE_ADDR, '10.0.0.8');
  t.is(env.REMOTE_PORT, '4343');
  t.is(env['wsgi.url_scheme'], 'https');
  t.is(env.SERVER_PORT, '8080');
  t.false('HTTP_X_WEFT_CLIENT' in env);
  t.regex(text, /"pieces": \["abc"\]/);
});
