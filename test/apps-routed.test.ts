// Routed mode's path to an application, in real weftd: requests the router
// routed are written to the app's connections and its answers read back
// (applications/app-connection.ts). Everything HTTP lets a request and an
// answer carry must come through as the app sent it.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { control } from './helpers/control.js';
import { backend, expectingContinue, raw, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { waitForFileText } from './helpers/weftd.js';

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'apps');

/** Two apps behind passes the router resolves per request (so the router stays in the path); a port each. */
async function routedWeft(t: Parameters<typeof startWithConfig>[0]): Promise<{ port: number; streaming: number }> {
  const port = await freePort();
  const streaming = await freePort();
  await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${port}`]: { pass: 'routes/plain' },
      [`127.0.0.1:${streaming}`]: { pass: 'routes/streaming' },
    },
    routes: {
      plain: [{ match: { uri: '*' }, action: { pass: 'applications/plain$arg_weft_unused' } }],
      streaming: [{ match: { uri: '*' }, action: { pass: 'applications/streaming$arg_weft_unused' } }],
    },
    applications: {
      plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 },
      streaming: { type: 'node', script: path.join(fixtures, 'streaming-app.js'), processes: 1 },
    },
  });
  return { port, streaming };
}

function chunkedRequest(target: string, pieces: string[], extra = ''): string {
  let out = `POST ${target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`;
  for (const p of pieces) out += `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`;
  return `${out}0\r\n\r\n`;
}

/** A download whose client stops reading near the end for a while, then reads the rest: the router must pause the app's connection. */
function stallingDownload(port: number, path: string, stallAfter: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let bytes = 0;
        let stalled = false;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (!stalled && bytes >= stallAfter) {
            stalled = true;
            res.pause();
            setTimeout(() => res.resume(), 300);
          }
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

test('an app connection the router paused for a slow client is read again: the next request on it is answered', async (t) => {
  const { streaming } = await routedWeft(t);
  for (let i = 0; i < 3; i++) {
    t.is(await stallingDownload(streaming, '/download?chunks=64&size=65536', 60 * 65536), 64 * 65536);
    // The process has one routed connection to reuse: the one that carried the download.
    const next = await raw({ port: streaming }, 'GET /variants HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    t.regex(next, /^HTTP\/1\.1 201 /, `round ${i + 1}`);
  }
});

test('bodies both ways: sized, chunked, large; HEAD; status lines and repeated headers as the app wrote them', async (t) => {
  const { port, streaming } = await routedWeft(t);
  // A sized body.
  const echo = await request({ port }, '/echo', { method: 'POST', body: 'sized body', headers: { 'Content-Type': 'text/plain' } });
  t.is(echo.status, 200);
  const seen = JSON.parse(echo.text) as { method: string; headers: Record<string, string>; body: string };
  t.is(seen.body, 'sized body');
  t.is(seen.headers['content-length'], '10');
  t.is(seen.headers['content-type'], 'text/plain');
  // A chunked body arrives whole, still chunked for the app.
  const chunked = await raw({ port }, chunkedRequest('/echo', ['one ', 'two ', 'three']), { untilText: 'three"}' });
  t.regex(chunked, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(chunked, /"transfer-encoding":"chunked"/);
  t.regex(chunked, /"body":"one two three"/);
  // Uploads and downloads larger than any buffer on the way.
  const big = 'x'.repeat(3 * 1024 * 1024);
  const upload = await request({ port: streaming }, '/upload', { method: 'POST', body: big });
  t.is(JSON.parse(upload.text).bytes, big.length);
  const download = await request({ port: streaming }, '/download?chunks=64&size=65536');
  t.is(download.status, 200);
  t.is(download.body.length, 64 * 65536);
  // HEAD: the app's headers, no body, and the connection goes on.
  const keepAlive = await raw({ port }, 'HEAD /info HTTP/1.1\r\nHost: x\r\n\r\nGET /own-server?how=none HTTP/1.1\r\nHost: x\r\n\r\n', {
    untilText: 'own\r\n0\r\n\r\n',
  });
  const answers = keepAlive.split(/(?=HTTP\/1\.1 )/);
  t.is(answers.length, 2, keepAlive);
  t.regex(answers[0], /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Type: application\/json\r\n[\s\S]*\r\n\r\n$/);
  t.regex(answers[1], /^HTTP\/1\.1 201 Created\r\n[\s\S]*X-Other: yes\r\n[\s\S]*\r\n\r\n3\r\nown\r\n0\r\n\r\n$/);
  // A status message of the app's own, multi-valued headers.
  const variants = await raw({ port: streaming }, 'GET /variants HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.regex(variants, /^HTTP\/1\.1 201 /);
  t.regex(variants, /\r\nX-Multi: one\r\nX-Multi: two\r\n|\r\nX-Multi: one, two\r\n/);
  t.regex(variants, /\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n/);
  t.regex(variants, /\r\nX-Set-Before: kept\r\n/);
});

test("the app names itself or gets Weft's Server header; a forged client header does not reach it", async (t) => {
  const { port } = await routedWeft(t);
  t.is((await request({ port }, '/own-server?how=set')).headers.server, 'mine');
  t.regex(String((await request({ port }, '/own-server?how=none')).headers.server), /^Weft\/\d/);
  const info = JSON.parse((await request({ port }, '/info', { headers: { 'X-Weft-Client': '6.6.6.6 1 https' } })).text) as {
    headers: Record<string, string | undefined>;
  };
  t.is(info.headers['x-weft-client'], undefined);
});

test('Expect: 100-continue reaches the app, which may refuse; pipelined requests come back in order', async (t) => {
  const { port, streaming } = await routedWeft(t);
  const refused = await raw(
    { port: streaming },
    'POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
  );
  t.regex(refused, /HTTP\/1\.1 417 /);
  t.regex(refused, /\r\n\r\n7\r\ntoo big\r\n0\r\n\r\n$/);
  const accepted = await raw(
    { port: streaming },
    'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
  );
  t.regex(accepted, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  t.regex(accepted, /"bytes":5/);
  let pipelined = '';
  for (let i = 0; i < 20; i++) pipelined += `GET /own-server?how=none&n=${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const all = await raw({ port }, `${pipelined}GET /close-me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.is(all.split('HTTP/1.1 201 Created').length - 1, 20);
  t.regex(all, /HTTP\/1\.1 404 Not Found[\s\S]*not found$/);
});

test("over the router, Expect: 100-continue is the app's to answer: a body sent at once waits for its 100 Continue, a waiting client gets it or the refusal", async (t) => {
  // Applications under different users: the router holds the listener's connections (no handoff).
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: ['/expect-probe', '/refuse', '/upload'] }, action: { pass: 'applications/streaming' } },
      { action: { pass: 'applications/plain' } },
    ],
    applications: {
      plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 },
      streaming: { type: 'node', script: path.join(fixtures, 'streaming-app.js'), processes: 1, user: 'daemon' },
    },
  });
  const held = await raw(
    { port },
    'POST /expect-probe HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
  );
  // (The 100 Continue the client got is the app's, relayed once it said it.)
  t.regex(held, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  t.regex(held, /\{"before":0,"bytes":5\}$/);
  // A client that waits: the app's refusal comes without a 100 Continue (its body never asked for), its acceptance with one.
  const refused = await expectingContinue({ port }, '/refuse', 'hello');
  t.is(refused.status, 417);
  t.is(refused.text, 'too big');
  t.false(refused.continued, 'no 100 Continue before the refusal');
  const accepted = await expectingContinue({ port }, '/upload', 'hello');
  t.true(accepted.continued);
  t.is(accepted.status, 200);
  t.like(JSON.parse(accepted.text), { bytes: 5 });
});

test("an app that answers Expect: 100-continue itself holds the listener: a request it relays elsewhere gets the next hop's 100 Continue, a return gets one at once", async (t) => {
  const { port: upstream } = await backend(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => res.end(`upstream got ${body}`));
  });
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      { match: { uri: '/proxied/*' }, action: { proxy: `http://127.0.0.1:${upstream}` } },
      { match: { uri: '/here' }, action: { return: 204 } },
      { action: { pass: 'applications/streaming' } },
    ],
    // The app's processes accept this listener (one app; the proxy step is relayed to a router).
    applications: { streaming: { type: 'node', script: path.join(fixtures, 'streaming-app.js'), processes: 1 } },
  });
  const relayed = await expectingContinue({ port }, '/proxied/x', 'hello');
  t.true(relayed.continued, 'the 100 Continue came through the relay');
  t.is(relayed.status, 200);
  t.is(relayed.text, 'upstream got hello');
  const here = await expectingContinue({ port }, '/here', 'hello');
  t.true(here.continued);
  t.is(here.status, 204);
  // The app's own: its refusal, no 100 Continue.
  const refused = await expectingContinue({ port }, '/refuse', 'hello');
  t.is(refused.status, 417);
  t.false(refused.continued);
});

test("a request an app process relays to the router is decided by its client's real address (from the client's socket, not the app's word)", async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755); // (the router runs as nobody)
  fs.mkdirSync(path.join(dir, 'files'));
  fs.writeFileSync(path.join(dir, 'files', 'a.txt'), 'file a');
  const accessLog = path.join(dir, 'access.log');
  const port = await freePort();
  await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [
      // The share is the router's to serve: the app process relays it, and the router decides again.
      { match: { uri: '/files/*', source: '127.0.0.2' }, action: { share: `${dir}$uri` } },
      { match: { uri: '/files/*' }, action: { return: 403 } },
      { action: { pass: 'applications/plain' } },
    ],
    applications: { plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
    access_log: accessLog,
  });
  const granted = await request({ port }, '/files/a.txt', { localAddress: '127.0.0.2' });
  t.is(granted.status, 200);
  t.is(granted.text, 'file a');
  t.is((await request({ port }, '/files/a.txt')).status, 403);
  // The router logs what it answers, with the client it read from the socket.
  await waitForFileText(accessLog, /^127\.0\.0\.2 - - \[[^\]]+\] "GET \/files\/a\.txt HTTP\/1\.1" 200 /m);
  t.pass();
});

test('a client that leaves mid-answer spoils only its own connection to the app', async (t) => {
  const { port, streaming } = await routedWeft(t);
  const socket = net.connect(streaming, '127.0.0.1');
  socket.write('GET /download?chunks=256&size=65536 HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  socket.destroy();
  for (let i = 0; i < 20; i++) {
    const r = await request({ port }, '/own-server?how=none');
    t.is(r.status, 201);
  }
});

test('pass to an application whose name holds "/" (written %2F), routed and accepted by the app itself', async (t) => {
  const routed = await freePort();
  const direct = await freePort();
  await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${routed}`]: { pass: 'routes' },
      [`127.0.0.1:${direct}`]: { pass: 'applications/loader%2Funit_http' },
    },
    routes: [{ action: { pass: 'applications/loader%2Funit_http$arg_weft_unused' } }],
    applications: { 'loader/unit_http': { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
  });
  for (const port of [routed, direct]) {
    const info = await request({ port }, '/info');
    t.is(info.status, 200, `port ${port === routed ? 'routed' : 'direct'}`);
    t.regex(info.text, /"isMain":true/);
  }
});

test('Unit\'s old listener form, "application": "<name>", passes to that app (its processes accept), and GET /config keeps it as written', async (t) => {
  const port = await freePort();
  const listener = `127.0.0.1:${port}`;
  const w = await startWithConfig(t, {
    listeners: { [listener]: { application: 'plain' } },
    applications: { plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
  });
  const r = await request({ port }, '/info');
  t.is(r.status, 200);
  t.is((JSON.parse(r.text) as { method: string }).method, 'GET');
  const config = (await control(w.controlPath, 'GET', '/config/listeners')).body as Record<string, unknown>;
  t.deepEqual(config[listener], { application: 'plain' });
});
