// The router's actions through a real weftd: return, pass chains, rewrite,
// response_headers, variables, proxy, upstreams, WebSocket through proxy.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import WebSocket, { WebSocketServer } from 'ws';

import { backend, expectingContinue, raw, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import { startWeftd } from './helpers/weftd.js';
import { tempDir } from './helpers/tmp.js';

test("return: statuses, Location with variables, Unit's error page, Server header", async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: '/moved' }, action: { return: 301, location: 'https://example.com$request_uri' } },
      { match: { uri: '/teapot' }, action: { return: 418 } },
      { match: { uri: '/empty' }, action: { return: 204 } },
      { match: { uri: '/gone' }, action: { return: 410, location: '/elsewhere' } },
    ],
  });
  const target = { port };
  const moved = await request(target, '/moved?a=1');
  t.is(moved.status, 301);
  t.is(moved.headers.location, 'https://example.com/moved?a=1');
  t.is(moved.headers['content-length'], '0');
  t.regex(String(moved.headers.server), /^Weft\/\d+\.\d+\.\d+$/);
  const teapot = await request(target, '/teapot');
  t.is(teapot.status, 418);
  t.is(teapot.headers['content-type'], 'text/html');
  t.is(teapot.text, '<!DOCTYPE html><title>Error 418</title><p>Error 418.\r\n');
  t.is((await request(target, '/empty')).status, 204);
  const gone = await request(target, '/gone');
  t.is(gone.status, 410);
  t.is(gone.headers.location, '/elsewhere');
  const none = await request(target, '/nothing');
  t.is(none.status, 404);
  t.is(none.text, '<!DOCTYPE html><title>Error 404</title><p>Error 404.\r\n');
});

test('named routes, pass chains, first match wins, rewrite, response_headers', async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes/entry' } },
    routes: {
      entry: [
        { match: { host: 'api.example.com' }, action: { pass: 'routes/api' } },
        { match: { uri: '/old/*' }, action: { rewrite: '/new$uri', pass: 'routes/rewritten' } },
        { match: { method: 'POST' }, action: { return: 405 } },
        { action: { pass: 'routes/$host' } },
      ],
      api: [
        { match: { uri: '/v1/*' }, action: { return: 200, response_headers: { 'X-Api': 'v1 $method $uri', 'X-Remove': null } } },
        { action: { return: 404 } },
      ],
      rewritten: [{ action: { return: 307, location: '$uri', response_headers: { 'X-Request-Uri': '$request_uri' } } }],
      'dynamic.test': [{ action: { return: 202 } }],
    },
  });
  const target = { port };
  const api = await request(target, '/v1/users', { headers: { Host: 'API.Example.com.' } });
  t.is(api.status, 200);
  t.is(api.headers['x-api'], 'v1 GET /v1/users');
  t.is((await request(target, '/v2', { headers: { Host: 'api.example.com' } })).status, 404);
  const rewritten = await request(target, '/old/page?x=1');
  t.is(rewritten.status, 307);
  t.is(rewritten.headers.location, '/new/old/page');
  t.is(rewritten.headers['x-request-uri'], '/old/page?x=1', '$request_uri is what the client sent');
  t.is((await request(target, '/', { method: 'POST' })).status, 405);
  t.is((await request(target, '/', { headers: { Host: 'dynamic.test' } })).status, 202, 'pass with a variable');
  t.is((await request(target, '/', { headers: { Host: 'unknown.test' } })).status, 404, 'a variable pass to nowhere is 404');
});

test('proxy: request and response streamed, hop-by-hop headers stay on their hop, 502 and 504', async (t) => {
  const seen: Array<{ url: string; headers: Record<string, unknown>; body: string }> = [];
  const { port: upstream } = await backend(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers, body });
      if (req.url === '/slow') return; // never answers
      res.writeHead(201, { 'X-Upstream': 'yes', 'Keep-Alive': 'timeout=99', Connection: 'keep-alive, X-Hop', 'X-Hop': 'secret' });
      res.write('part one, ');
      setTimeout(() => res.end(`part two of ${req.method} ${req.url}`), 20);
    });
  });
  const dead = await freePort();
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    settings: { http: { proxy_read_timeout: 1 } },
    routes: [
      { match: { uri: '/dead/*' }, action: { proxy: `http://127.0.0.1:${dead}` } },
      { action: { proxy: `http://127.0.0.1:${upstream}` } },
    ],
  });
  const answer = await request({ port }, '/echo?q=1', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'X-Client': 'c', Connection: 'X-Private', 'X-Private': 'p', 'Transfer-Encoding': 'chunked' },
    body: 'hello upstream',
  });
  t.is(answer.status, 201);
  t.is(answer.text, 'part one, part two of POST /echo?q=1');
  t.is(answer.headers['x-upstream'], 'yes');
  t.is(answer.headers['x-hop'], undefined, 'a header the upstream named in Connection is dropped');
  t.not(answer.headers['keep-alive'], 'timeout=99');
  const got = seen.find((s) => s.url === '/echo?q=1')!;
  t.is(got.body, 'hello upstream');
  t.is(got.headers['x-client'], 'c');
  t.is(got.headers['x-private'], undefined, 'a header the client named in Connection is dropped');
  t.is(got.headers.host, `127.0.0.1:${port}`, "the Host header is the client's");
  t.is((await request({ port }, '/dead/x')).status, 502);
  const slow = await request({ port }, '/slow');
  t.is(slow.status, 504);
  t.is(slow.text, '<!DOCTYPE html><title>Error 504</title><p>Error 504.\r\n');
});

test('proxy and return: Expect: 100-continue goes on to the proxied server, whose 100 Continue or refusal the client gets; return answers it at once', async (t) => {
  const { port: upstream, server } = await backend(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => res.end(`got ${body}`));
  });
  server.on('checkContinue', (req, res) => {
    if (req.url === '/refuse') {
      res.writeHead(417).end('too big');
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/here' }, action: { return: 204 } }, { action: { proxy: `http://127.0.0.1:${upstream}` } }],
  });
  const refused = await expectingContinue({ port }, '/refuse', 'hello');
  t.is(refused.status, 417);
  t.is(refused.text, 'too big');
  t.false(refused.continued, 'no 100 Continue before the refusal');
  const accepted = await expectingContinue({ port }, '/upload', 'hello');
  t.true(accepted.continued);
  t.is(accepted.status, 200);
  t.is(accepted.text, 'got hello');
  const here = await expectingContinue({ port }, '/here', 'hello');
  t.true(here.continued, 'what reads no body answers 100 Continue at once, as Node does');
  t.is(here.status, 204);
});

test('upstreams: weighted round robin, and a failed server is skipped', async (t) => {
  const hits: Record<string, number> = { a: 0, b: 0 };
  const a = await backend(t, (_req, res) => {
    hits.a++;
    res.end('a');
  });
  const b = await backend(t, (_req, res) => {
    hits.b++;
    res.end('b');
  });
  const dead = await freePort();
  const port = await freePort();
  await startWithConfig(
    t,
    {
      listeners: { [`127.0.0.1:${port}`]: { pass: 'upstreams/pool' } },
      upstreams: {
        pool: {
          servers: {
            [`127.0.0.1:${a.port}`]: { weight: 3 },
            [`127.0.0.1:${b.port}`]: {},
            [`127.0.0.1:${dead}`]: { weight: 2 },
          },
        },
      },
    },
    // One router worker: each worker rotates its own copy of the group, so the exact sequence is one worker's.
    { args: ['--routers', '1'] },
  );
  const bodies: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await request({ port }, '/');
    t.is(r.status, 200);
    bodies.push(r.text);
  }
  t.is(hits.a + hits.b, 40, 'no request failed although one server is down');
  t.is(hits.a, 30, 'weights 3:1 among the live servers');
  t.is(hits.b, 10);
  t.false(bodies.slice(0, 8).join('').includes('aaaa'), 'smooth: weights interleave');
});

test('WebSocket passes through proxy', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  t.teardown(() => wss.close());
  wss.on('connection', (socket, req) => {
    socket.on('message', (data) => socket.send(`echo ${req.url}: ${data.toString()}`));
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const upstream = (wss.address() as { port: number }).port;
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/ws/*' }, action: { proxy: `http://127.0.0.1:${upstream}` } }, { action: { return: 404 } }],
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
  t.teardown(() => client.terminate());
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const replies: string[] = [];
  const done = new Promise<void>((resolve) =>
    client.on('message', (m) => {
      replies.push(m.toString());
      if (replies.length === 2) resolve();
    }),
  );
  client.send('one');
  client.send('x'.repeat(100000));
  await done;
  t.is(replies[0], 'echo /ws/chat: one');
  t.is(replies[1].length, 'echo /ws/chat: '.length + 100000);
  // An upgrade to a route without a proxy is refused, on that connection only.
  const refused = await raw({ port }, 'GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  t.regex(refused, /^HTTP\/1\.1 404 Not Found\r\n/);
});

test('share through the router', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'www'));
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), '<h1>home</h1>');
  fs.writeFileSync(path.join(dir, 'www', 'app.js'), 'console.log(1)');
  fs.chmodSync(path.join(dir, 'www'), 0o755);
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { share: `${dir}/www$uri`, fallback: { return: 404 } } }],
  });
  const home = await request({ port }, '/');
  t.is(home.status, 200);
  t.is(home.text, '<h1>home</h1>');
  t.is(home.headers['content-type'], 'text/html');
  const js = await request({ port }, '/app.js');
  t.regex(String(js.headers['content-type']), /javascript/);
  const cached = await request({ port }, '/app.js', { headers: { 'If-None-Match': String(js.headers.etag) } });
  t.is(cached.status, 304);
  t.is((await request({ port }, '/missing.txt')).status, 404);
});

test('server_version: false hides the version', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { return: 200 } }],
  });
  t.regex(String((await request({ port }, '/')).headers.server), /^Weft\//);
  await applyConfig(w, { http: { server_version: false } }, '/config/settings');
  t.is((await request({ port }, '/')).headers.server, 'Weft');
});

test("return: any status 0-999 is sent as is, in Unit's form for one without a reason phrase", async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: '/0' }, action: { return: 0 } },
      { match: { uri: '/99' }, action: { return: 99, response_headers: { 'X-Status': '$status' } } },
      { match: { uri: '/999' }, action: { return: 999 } },
    ],
  });
  // Two requests on one connection: the odd status line leaves keep-alive working.
  const text = await raw({ port }, 'GET /0 HTTP/1.1\r\nHost: x\r\n\r\nGET /99 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const [zero, ninetyNine] = text.split(/(?=HTTP\/1\.1 )/);
  t.true(zero.startsWith('HTTP/1.1 000 \r\n'), zero);
  t.regex(zero, /\r\nContent-Length: 0\r\n/);
  t.true(ninetyNine.startsWith('HTTP/1.1 099 \r\n'), ninetyNine);
  t.regex(ninetyNine, /\r\nX-Status: 099\r\n/);
  t.true((await raw({ port }, 'GET /999 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).startsWith('HTTP/1.1 999 '));
});

test('return: Location percent-encoded as Unit (a second "?", and "#" or "?" in the fragment), also from variables', async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: '/query' }, action: { return: 302, location: '/a?b?c' } },
      { match: { uri: '/fragment' }, action: { return: 302, location: '/##foo?bar' } },
      { match: { uri: '/both' }, action: { return: 302, location: '/p a?q=1?#f#g' } },
      { match: { uri: '/encoded' }, action: { return: 302, location: '/a%20b?x=%3F#y' } },
      { match: { uri: '/var' }, action: { return: 302, location: '$arg_to' } },
    ],
  });
  const location = async (uri: string): Promise<unknown> => (await request({ port }, uri)).headers.location;
  t.is(await location('/query'), '/a?b%3Fc');
  t.is(await location('/fragment'), '/#%23foo%3Fbar');
  t.is(await location('/both'), '/p%20a?q=1%3F#f%23g');
  t.is(await location('/encoded'), '/a%20b?x=%3F#y', 'an already encoded value is sent as it is');
  t.is(await location('/var?to=/%23%23foo%3Fbar'), '/#%23foo%3Fbar');
  t.is(await location('/var?to=http://h/%3Fx%3Fy'), 'http://h/?x%3Fy');
});

test("response_headers: only the action that answers, and never on an error of Weft's own", async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'here.txt'), 'here');
  fs.chmodSync(path.join(dir, 'here.txt'), 0o644);
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes/main' } },
    routes: {
      main: [
        { match: { uri: '/chain' }, action: { pass: 'routes/end', response_headers: { 'X-Passer': 'yes' } } },
        { match: { uri: '/teapot' }, action: { return: 418, response_headers: { 'X-Foo': 'return' } } },
        { action: { share: `${dir}$uri`, response_headers: { 'X-Foo': 'share' } } },
      ],
      end: [{ action: { return: 200, response_headers: { 'X-End': 'yes' } } }],
    },
  });
  const chain = await request({ port }, '/chain');
  t.is(chain.headers['x-end'], 'yes');
  t.is(chain.headers['x-passer'], undefined, "the passing action's headers are not applied");
  t.is((await request({ port }, '/here.txt')).headers['x-foo'], 'share');
  const missing = await request({ port }, '/missing.txt');
  t.is(missing.status, 404);
  t.is(missing.headers['x-foo'], undefined, "a share's 404 is an error, without the action's headers");
  const teapot = await request({ port }, '/teapot');
  t.is(teapot.status, 418);
  t.is(teapot.headers['x-foo'], 'return', 'a "return" answers: its headers apply');
});

test('log_route: a rewrite is logged with the new URI, as Unit', async (t) => {
  const port = await freePort();
  const w = await startWithConfig(t, {
    settings: { http: { log_route: true } },
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes/main' } },
    routes: {
      main: [{ match: { uri: '/old' }, action: { rewrite: '/new', pass: 'routes/next' } }],
      next: [{ match: { uri: '/new' }, action: { return: 204 } }],
    },
  });
  t.is((await request({ port }, '/old')).status, 204);
  await w.waitForLog(/\[notice\] \d+#\d+ URI rewritten to "\/new"/);
});

test('share: a file changed on disk is served with its new size, ETag and Last-Modified at once', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'page.txt');
  fs.writeFileSync(file, 'version 1');
  fs.chmodSync(file, 0o644);
  const old = new Date(Date.UTC(2020, 0, 1));
  fs.utimesSync(file, old, old);
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { share: `${dir}$uri` } }],
  });
  const first = await request({ port }, '/page.txt');
  t.is(first.text, 'version 1');
  t.is((await request({ port }, '/page.txt')).text, 'version 1', 'served from the cache');
  fs.writeFileSync(file, 'version 2, longer');
  const second = await request({ port }, '/page.txt');
  t.is(second.text, 'version 2, longer');
  t.is(second.headers['content-length'], String('version 2, longer'.length));
  t.not(second.headers.etag, first.headers.etag);
  t.not(second.headers['last-modified'], first.headers['last-modified']);
  fs.rmSync(file);
  t.is((await request({ port }, '/page.txt')).status, 404);
});

test('share: a relative path (with "chroot": "") is read from weftd\'s working directory', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'static'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'static', 'r.txt'), 'relative');
  fs.chmodSync(path.join(dir, 'static', 'r.txt'), 0o644);
  const port = await freePort();
  const config = {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { uri: '/one' }, action: { share: 'static/r.txt', chroot: '' } }, { action: { share: 'static$uri' } }],
  };
  const w = await startWeftd(t, { cwd: dir });
  await applyConfig(w, config);
  t.is((await request({ port }, '/one')).text, 'relative');
  t.is((await request({ port }, '/r.txt')).text, 'relative');
});

test('match "if": a step matches when its template expands to a true value ("", "0", "false", "null", "undefined" are false), "!" negates', async (t) => {
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { if: '$cookie_beta', uri: '/app/*' }, action: { return: 201 } },
      { match: { if: '!$arg_quiet' }, action: { return: 202 } },
      { action: { return: 204 } },
    ],
  });
  t.is((await request({ port }, '/app/x', { headers: { cookie: 'beta=1' } })).status, 201);
  t.is((await request({ port }, '/app/x', { headers: { cookie: 'beta=0' } })).status, 202);
  t.is((await request({ port }, '/app/x', { headers: { cookie: 'beta=false' } })).status, 202);
  t.is((await request({ port }, '/other', { headers: { cookie: 'beta=yes' } })).status, 202, 'both conditions of a step must hold');
  t.is((await request({ port }, '/x?quiet=1')).status, 204);
  t.is((await request({ port }, '/x?quiet=0')).status, 202);
});

test('match "if" with a JavaScript (njs) template is refused at validation with its path', async (t) => {
  const port = await freePort();
  const w = await startWeftd(t);
  const r = await applyConfig(w, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ match: { if: '`${1 + 1}`' }, action: { return: 200 } }],
  }).then(
    () => null,
    (e: Error) => e.message,
  );
  t.regex(String(r), /failed: 400[\s\S]*njs[\s\S]*"\/routes\/0\/match\/if"/);
});
