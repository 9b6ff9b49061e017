// settings.http.compression through a real weftd: the coding chosen from
// Accept-Encoding, "types" and "min_length" honoured, share, return and
// application answers compressed where the engine writes them.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

import test from 'ava';

import { backend, request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { applyConfig, startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { chooseCompressor } from '../src/request/compression.js';
import type { Compressor } from '../src/request/compression.js';
import { validateConfig } from '../src/config/validate.js';
import { EXAMPLE_APP_TYPES } from '../src/config/example-app-types.js';

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'apps');

test('the coding is chosen as Unit chooses it: highest q, the later of equals, "*" and identity for none', (t) => {
  const gzip: Compressor = { encoding: 'gzip', level: undefined, minLength: -1 };
  const br: Compressor = { encoding: 'br', level: undefined, minLength: -1 };
  const both = [gzip, br];
  t.is(chooseCompressor(undefined, both), 'identity');
  t.is(chooseCompressor('', both), 'identity');
  t.is(chooseCompressor('gzip', both), gzip);
  t.is(chooseCompressor('gzip, br', both), br);
  t.is(chooseCompressor('br;q=0.9, gzip', both), gzip);
  t.is(chooseCompressor('gzip;q=0, br;q=0.1', both), br);
  t.is(chooseCompressor('compress, deflate', both), 'identity', 'codings not configured are not chosen');
  t.is(chooseCompressor('gzip;q=0.5, *', both), 'identity', '"*" at a higher q is identity');
  t.is(chooseCompressor('br;q=2', both), 'identity', 'a q out of range is ignored');
  t.is(chooseCompressor('compress, identity;q=0', both), 'not-acceptable', "identity refused and nothing else: Unit's 406");
  t.is(chooseCompressor('*;q=0', both), 'not-acceptable');
  t.is(chooseCompressor('br, *;q=0', both), br);
});

test("validation: Unit's members; zstd only where Node's zlib has it", (t) => {
  const context = { appTypes: EXAMPLE_APP_TYPES, certificates: new Set<string>() };
  const ok = {
    settings: {
      http: { compression: { types: ['text/*'], compressors: [{ encoding: 'gzip', level: 3, min_length: 10 }, { encoding: 'br' }] } },
    },
  };
  t.deepEqual(validateConfig(ok, context), { ok: true });
  const single = { settings: { http: { compression: { compressors: { encoding: 'deflate' } } } } };
  t.deepEqual(validateConfig(single, context), { ok: true });
  t.like(validateConfig({ settings: { http: { compression: { compressors: [{ encoding: 'lzma' }] } } } }, context), { ok: false });
  t.like(validateConfig({ settings: { http: { compression: { compressors: [{ level: 1 }] } } } }, context), { ok: false });
  const zstd = validateConfig(
    { settings: { http: { compression: { compressors: [{ encoding: 'gzip' }, { encoding: 'zstd' }] } } } },
    context,
  );
  if (typeof (zlib as unknown as Record<string, unknown>).createZstdCompress === 'function') t.deepEqual(zstd, { ok: true });
  else t.like(zstd, { ok: false, path: '/settings/http/compression/compressors/1/encoding' });
});

test('share, return and application answers are compressed for clients that ask, as configured', async (t) => {
  const dir = tempDir(t);
  // The router runs as nobody: the share must be readable by others.
  fs.chmodSync(dir, 0o755);
  const big = 'All work and no play makes Jack a dull boy.\n'.repeat(200);
  fs.mkdirSync(path.join(dir, 'static'));
  fs.writeFileSync(path.join(dir, 'static', 'big.txt'), big);
  fs.writeFileSync(path.join(dir, 'static', 'small.txt'), 'tiny\n');
  fs.writeFileSync(path.join(dir, 'static', 'image.png'), Buffer.alloc(4096, 7));
  const port = await freePort();
  const direct = await freePort();
  await startWithConfig(t, {
    settings: {
      http: {
        compression: {
          types: ['text/*', 'application/json'],
          compressors: [
            { encoding: 'gzip', level: 9, min_length: 100 },
            { encoding: 'br', level: 4 },
          ],
        },
      },
    },
    listeners: {
      [`127.0.0.1:${port}`]: { pass: 'routes' },
      // An app's own processes would accept this one; compression keeps it in the router.
      [`127.0.0.1:${direct}`]: { pass: 'applications/plain' },
    },
    routes: [
      { match: { uri: '/static/*' }, action: { share: `${dir}$uri` } },
      { match: { uri: '/app/*' }, action: { rewrite: '/info', pass: 'applications/plain' } },
      { action: { return: 404 } },
    ],
    applications: { plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
  });
  const target = { port };

  const plain = await request(target, '/static/big.txt');
  t.is(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
  t.is(plain.headers['content-length'], String(big.length));
  t.is(plain.text, big);

  const gz = await request(target, '/static/big.txt', { headers: { 'Accept-Encoding': 'gzip' } });
  t.is(gz.status, 200);
  t.is(gz.headers['content-encoding'], 'gzip');
  t.is(gz.headers.vary, 'Accept-Encoding');
  t.is(gz.headers['content-length'], undefined);
  t.true(gz.body.length < big.length);
  t.is(zlib.gunzipSync(gz.body).toString(), big);

  const br = await request(target, '/static/big.txt', { headers: { 'Accept-Encoding': 'gzip;q=0.5, br' } });
  t.is(br.headers['content-encoding'], 'br');
  t.is(zlib.brotliDecompressSync(br.body).toString(), big);

  // min_length is the coding's: 5 bytes is under gzip's 100, and br has none.
  const smallGz = await request(target, '/static/small.txt', { headers: { 'Accept-Encoding': 'gzip' } });
  t.is(smallGz.headers['content-encoding'], undefined);
  t.is(smallGz.text, 'tiny\n');
  const smallBr = await request(target, '/static/small.txt', { headers: { 'Accept-Encoding': 'br' } });
  t.is(smallBr.headers['content-encoding'], 'br');
  t.is(zlib.brotliDecompressSync(smallBr.body).toString(), 'tiny\n');

  const image = await request(target, '/static/image.png', { headers: { 'Accept-Encoding': 'gzip, br' } });
  t.is(image.headers['content-encoding'], undefined, 'image/png is not in "types"');
  t.is(image.body.length, 4096);

  // Neither identity nor a configured coding: Unit's 406 page instead of the file.
  const refused = await request(target, '/static/big.txt', { headers: { 'Accept-Encoding': 'compress, identity;q=0' } });
  t.is(refused.status, 406);
  t.is(refused.text, '<!DOCTYPE html><title>Error 406</title><p>Error 406.\r\n');
  t.is(refused.headers['content-type'], 'text/html');
  t.is(refused.headers.etag, undefined);
  const refusedApp = await request({ port: direct }, '/info', { headers: { 'Accept-Encoding': '*;q=0' } });
  t.is(refusedApp.status, 406);
  t.is(refusedApp.text, '<!DOCTYPE html><title>Error 406</title><p>Error 406.\r\n');
  t.is((await request({ port: direct }, '/info')).status, 200, "the app's connection is still good");

  const head = await request(target, '/static/big.txt', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
  t.is(head.headers['content-encoding'], undefined, 'HEAD: no body, no coding');
  t.is(head.headers['content-length'], String(big.length));

  const notModified = await request(target, '/static/big.txt', {
    headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': String(plain.headers.etag) },
  });
  t.is(notModified.status, 304);
  t.is(notModified.headers['content-encoding'], undefined);

  // A return's error page (text/html).
  const missing = await request(target, '/nothing', { headers: { 'Accept-Encoding': 'br' } });
  t.is(missing.status, 404);
  t.is(missing.headers['content-encoding'], 'br');
  t.is(zlib.brotliDecompressSync(missing.body).toString(), '<!DOCTYPE html><title>Error 404</title><p>Error 404.\r\n');

  // Application answers, routed and on a listener passed to the app directly.
  for (const [p, url] of [
    [port, '/app/x'],
    [direct, '/info'],
  ] as const) {
    const app = await request({ port: p }, url, { headers: { 'Accept-Encoding': 'gzip' } });
    t.is(app.status, 200);
    t.is(app.headers['content-encoding'], 'gzip', `${url} on ${p}`);
    const info = JSON.parse(zlib.gunzipSync(app.body).toString()) as { headers: Record<string, string> };
    t.is(info.headers['accept-encoding'], 'gzip', 'the app sees what the client accepts');
    const identity = await request({ port: p }, url);
    t.is(identity.headers['content-encoding'], undefined);
    t.notThrows(() => JSON.parse(identity.text));
  }
});

test("proxied answers: compressed, unless already encoded; turning compression on moves an app's listener to the router", async (t) => {
  const text = 'proxied text '.repeat(100);
  const { port: upstream } = await backend(t, (req, res) => {
    if (req.url === '/encoded') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
      res.end(zlib.gzipSync(text));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', Vary: 'Cookie' });
    res.end(text);
  });
  const port = await freePort();
  const direct = await freePort();
  const w = await startWithConfig(t, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' }, [`127.0.0.1:${direct}`]: { pass: 'applications/plain' } },
    routes: [{ action: { proxy: `http://127.0.0.1:${upstream}` } }],
    applications: { plain: { type: 'node', script: path.join(fixtures, 'plain-http.js'), processes: 1 } },
  });
  const gzip = { headers: { 'Accept-Encoding': 'gzip' } };
  t.is((await request({ port }, '/', gzip)).headers['content-encoding'], undefined, 'no compression configured');
  t.is((await request({ port: direct }, '/info', gzip)).headers['content-encoding'], undefined);

  await applyConfig(w, { http: { compression: { compressors: { encoding: 'gzip' }, types: 'text/plain' } } }, '/config/settings');
  const proxied = await request({ port }, '/', gzip);
  t.is(proxied.headers['content-encoding'], 'gzip');
  t.is(proxied.headers.vary, 'Cookie, Accept-Encoding');
  t.is(zlib.gunzipSync(proxied.body).toString(), text);
  const encoded = await request({ port }, '/encoded', gzip);
  t.is(encoded.headers['content-encoding'], 'gzip');
  t.is(zlib.gunzipSync(encoded.body).toString(), text, 'an encoded answer is not encoded twice');
  // application/json is not in "types" now; the app's listener is the router's all the same.
  const app = await request({ port: direct }, '/info', { headers: { 'Accept-Encoding': 'gzip' } });
  t.is(app.status, 200);
  t.is(app.headers['content-encoding'], undefined);
  await applyConfig(w, ['text/plain', 'application/json'], '/config/settings/http/compression/types');
  const after = await request({ port: direct }, '/info', gzip);
  t.is(after.headers['content-encoding'], 'gzip');
  t.notThrows(() => JSON.parse(zlib.gunzipSync(after.body).toString()));
});

test('a streamed answer (no Content-Length) reaches the client write by write through the coding', async (t) => {
  // Each request's rest goes out only once the client has decoded its first event.
  let release = (): void => undefined;
  const { port: upstream } = await backend(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('data: first\n\n');
    release = () => res.end('data: last\n\n');
  });
  const port = await freePort();
  await startWithConfig(t, {
    settings: { http: { compression: { compressors: [{ encoding: 'gzip' }, { encoding: 'br' }] } } },
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes' } },
    routes: [{ action: { proxy: `http://127.0.0.1:${upstream}` } }],
  });
  for (const encoding of ['gzip', 'br']) {
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { 'Accept-Encoding': encoding } }, (res) => {
        t.is(res.headers['content-encoding'], encoding);
        const decoded = res.pipe(encoding === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress());
        let all = '';
        decoded.on('data', (d: Buffer) => {
          all += d.toString();
          if (all.includes('first')) release();
        });
        decoded.on('end', () => resolve(all));
        decoded.on('error', reject);
      });
      req.on('error', reject);
    });
    t.is(text, 'data: first\n\ndata: last\n\n');
  }
});
