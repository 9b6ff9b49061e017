// What a client sees of Node's HTTP behaviour through the host: bodies
// streamed both ways, backpressure, trailers, 100-continue, writeHead
// variants, a client going away, and WebSocket upgrades.
import { once } from 'node:events';
import http from 'node:http';

import test from 'ava';
import WebSocket from 'ws';

import { serve, startApp } from './fixtures/app-host/harness.js';
import type { Client, Mode } from './fixtures/app-host/harness.js';
import { scaled } from './helpers/machine.js';

const MODES: Mode[] = ['direct', 'routed'];

/** A request on the client's connection, left open for the test to drive. */
function open(client: Client, options: http.RequestOptions): http.ClientRequest {
  const connection = 'port' in client.connection ? { host: '127.0.0.1', port: client.connection.port, agent: false } : client.connection;
  return http.request({ ...connection, ...options });
}

/** Reads exactly `length` bytes from a stream. */
function readBytes(stream: NodeJS.ReadableStream, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= length) {
        stream.off('data', onData);
        stream.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.resume();
  });
}

async function body(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const mode of MODES) {
  test(`(${mode}) a request body streams in while the response streams out, chunk by chunk`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);
    const req = open(client, { method: 'POST', path: '/echo', headers: { 'content-type': 'application/octet-stream' } });
    req.flushHeaders();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    t.is(res.statusCode, 200);
    t.is(res.headers['transfer-encoding'], 'chunked');
    // Each piece comes back before the next is sent: neither side buffers the whole body.
    for (const piece of ['first piece', 'second', 'the third and last']) {
      req.write(piece);
      t.is((await readBytes(res, piece.length)).toString(), piece);
    }
    req.end();
    res.resume();
    await once(res, 'end');
  });

  test(`(${mode}) a large response respects backpressure and ends with trailers`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);
    const chunks = 256;
    const size = 65536;
    const req = open(client, { path: `/download?chunks=${chunks}&size=${size}` });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    t.is(res.headers.trailer, 'X-Drains, X-Bytes');
    // A slow reader: the app must wait for 'drain' instead of buffering 16 MiB.
    await new Promise((r) => setTimeout(r, 300));
    const received = await body(res);
    t.is(received.length, chunks * size);
    t.is(res.trailers['x-bytes'], String(chunks * size));
    t.true(Number(res.trailers['x-drains']) > 0, `res.write() returned false and 'drain' followed (${res.trailers['x-drains']} times)`);
  });

  test(`(${mode}) a request body sent in pieces arrives in pieces, with its trailers`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);
    const req = open(client, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'application/octet-stream', trailer: 'X-Checksum' },
    });
    for (let i = 0; i < 8; i++) {
      req.write(Buffer.alloc(16384, i));
      await new Promise((r) => setTimeout(r, 10));
    }
    req.addTrailers({ 'X-Checksum': 'abc123' });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    const seen = JSON.parse((await body(res)).toString()) as { bytes: number; chunks: number; trailers: Record<string, string> };
    t.is(seen.bytes, 8 * 16384);
    t.true(seen.chunks > 1, `the app read the body as it came (${seen.chunks} chunks)`);
    t.deepEqual(seen.trailers, { 'x-checksum': 'abc123' });
  });

  test(`(${mode}) Expect: 100-continue reaches the app, and Weft's hooks still see the request`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);

    const refused = open(client, { method: 'POST', path: '/refuse', headers: { expect: '100-continue', 'content-length': '1000000' } });
    let continued = false;
    refused.on('continue', () => (continued = true));
    refused.flushHeaders();
    const [no] = (await once(refused, 'response')) as [http.IncomingMessage];
    t.is(no.statusCode, 417);
    t.is((await body(no)).toString(), 'too big');
    t.false(continued, 'no 100 Continue for a refused body');
    t.truthy(no.headers['x-weft-request'], 'the hook ran for a checkContinue request');
    refused.destroy();

    const accepted = open(client, { method: 'POST', path: '/upload', headers: { expect: '100-continue', 'content-length': '5' } });
    accepted.flushHeaders();
    await once(accepted, 'continue');
    accepted.end('hello');
    const [yes] = (await once(accepted, 'response')) as [http.IncomingMessage];
    t.is(yes.statusCode, 200);
    t.like(JSON.parse((await body(yes)).toString()), { bytes: 5 });
  });

  test(`(${mode}) writeHead with a status message and repeated headers`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);
    const req = open(client, { path: '/variants' });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    t.is(res.statusCode, 201);
    t.is(res.statusMessage, 'Made Here');
    t.is(res.headers['x-multi'], 'one, two');
    t.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    t.is(res.headers['x-set-before'], 'kept', 'setHeader() before writeHead() merges');
    t.is(res.rawHeaders.filter((h) => h === 'X-Multi').length, 2, 'two header lines on the wire');
    t.is((await body(res)).toString(), 'variants');
  });

  test(`(${mode}) a client that goes away mid-request: the app's req 'close' fires`, async (t) => {
    const client = await serve(t, await startApp(t, 'streaming-app.js'), mode);
    const req = open(client, { method: 'POST', path: '/hang', headers: { 'content-length': '100' } });
    req.on('error', () => {});
    req.write('0123456789');
    // Leave once the app has the request (on a busy machine that is not "after 200 ms").
    const deadline = Date.now() + scaled(5000);
    while (JSON.parse((await client.request('/seen')).text).hanging === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    req.destroy();
    let seen = { closedIncomplete: 0 };
    while (seen.closedIncomplete === 0 && Date.now() < deadline) {
      seen = JSON.parse((await client.request('/seen')).text) as typeof seen;
      if (seen.closedIncomplete === 0) await new Promise((r) => setTimeout(r, 50));
    }
    t.is(seen.closedIncomplete, 1);
  });

  test(`(${mode}) WebSocket: the upgrade reaches ws on the app's server, echo both ways`, async (t) => {
    const running = await startApp(t, 'websocket-app.js');
    const client = await serve(t, running, mode);
    const ws =
      'port' in client.connection
        ? new WebSocket(`ws://127.0.0.1:${client.connection.port}/chat`)
        : new WebSocket('ws://localhost/chat', { createConnection: client.connection.createConnection });
    t.teardown(() => ws.terminate());
    const messages: string[] = [];
    const next = (): Promise<WebSocket.RawData> => once(ws, 'message').then(([data]) => data as WebSocket.RawData);
    const welcome = next();
    await once(ws, 'open');
    messages.push(String(await welcome));
    const echoed = next();
    ws.send('hello');
    messages.push(String(await echoed));
    const binary = next();
    ws.send(Buffer.from([1, 2, 3]));
    t.deepEqual([...((await binary) as Buffer)], [1, 2, 3]);
    t.deepEqual(messages, ['welcome to /chat', 'echo: hello']);
    ws.close();
    await once(ws, 'close');

    const plain = await client.request('/');
    t.is(plain.text, 'plain HTTP next to WebSockets');
    const stats = await running.stats();
    t.is(stats.total, 2, 'the upgrade and the plain request are both counted');
  });
}
