// Weft's frames (src/transport/frames/, plugins/python/PROTOCOL.md) checked
// across the two languages that speak them: request heads the Node encoder
// writes are read back by the Python runtime's parser, and answers the
// Python encoder writes are read by the Node decoder, for random requests
// and answers cut into random pieces, against what went in. Then the
// connection's states with a scripted app on the other end.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

import test from 'ava';
import type { ExecutionContext } from 'ava';

import { socketPair } from '../src/native/index.js';
import { AnswerDecoder, encodeRequestHead, FrameConnection, FrameFlag, FrameType } from '../src/transport/frames/index.js';
import type { FrameExchange, FrameRequest } from '../src/transport/frames/index.js';
import { PYTHON, pythonFixtures, repoRoot } from './helpers/python-app.js';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pythonCodec(t: ExecutionContext): (command: unknown) => Promise<unknown> {
  const child = spawn(PYTHON, [path.join(pythonFixtures, 'frames_roundtrip.py'), path.join(repoRoot, 'plugins', 'python', 'runtime')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    child.kill();
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(v: unknown) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  return (command) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
}

function cuts(length: number, rnd: () => number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 0;
  while (at < length) {
    const n = Math.max(1, Math.floor(rnd() * Math.min(40, length - at + 1)));
    out.push([at, Math.min(length, at + n)]);
    at += n;
  }
  return out;
}

const latin1 = (rnd: () => number, max: number, avoid = '\0\r\n'): string => {
  let s = '';
  const n = Math.floor(rnd() * max);
  while (s.length < n) {
    const c = String.fromCharCode(Math.floor(rnd() * 256));
    if (!avoid.includes(c)) s += c;
  }
  return s;
};

test('request heads: what Node writes, Python reads back exactly (random requests, random cuts)', async (t) => {
  const python = pythonCodec(t);
  const rnd = random(12);
  for (let i = 0; i < 150; i++) {
    const headers: string[] = [];
    const count = Math.floor(rnd() * 6);
    for (let h = 0; h < count; h++) headers.push(`X-H${h}${latin1(rnd, 5, '\0\r\n: ')}`, latin1(rnd, 30));
    const pathBytes = Buffer.from(latin1(rnd, 20, ''), 'latin1');
    const request: FrameRequest = {
      method: ['GET', 'POST', 'PUT', 'M-SEARCH'][i % 4],
      target: `/t${i}?${latin1(rnd, 10, '\0\r\n ')}`,
      path: i % 2 ? pathBytes : `/é/${i}`,
      query: latin1(rnd, 10, '\0\r\n '),
      version: i % 5 ? '1.1' : '1.0',
      scheme: i % 3 ? 'http' : 'https',
      remoteAddress: i % 2 ? '10.1.2.3' : '::1',
      remotePort: 1000 + i,
      serverAddress: '127.0.0.1',
      serverPort: 8080,
      serverName: 'example.org',
      appTarget: i % 7 ? '' : 'admin',
      rawHeaders: headers,
      body: i % 3 === 0,
      upgrade: i % 11 === 0,
    };
    const bytes = encodeRequestHead(request);
    const body = request.body
      ? Buffer.concat([frameOf(FrameType.BODY, 0, Buffer.from('abc')), frameOf(FrameType.BODY, FrameFlag.LAST, Buffer.alloc(0))])
      : Buffer.alloc(0);
    const all = Buffer.concat([bytes, body]);
    const events = (await python({ op: 'parse', hex: all.toString('hex'), cuts: cuts(all.length, rnd) })) as Array<
      [string, Record<string, unknown>?]
    >;
    const head = events[0][1]!;
    t.is(events[0][0], 'head');
    t.is(head.method, request.method);
    t.is(head.target, request.target);
    t.is(head.path, (typeof request.path === 'string' ? Buffer.from(request.path, 'utf8') : request.path).toString('latin1'));
    t.is(head.query, request.query);
    t.is(head.version, request.version);
    t.is(head.scheme, request.scheme);
    t.is(head.remote_addr, request.remoteAddress);
    t.is(head.remote_port, request.remotePort);
    t.is(head.server_port, 8080);
    t.is(head.server_name, 'example.org');
    t.is(head.app_target, request.appTarget);
    t.is(head.upgrade, request.upgrade === true);
    t.is(head.has_body, request.body);
    const expected: string[][] = [];
    for (let h = 0; h < headers.length; h += 2) expected.push([headers[h].toLowerCase(), headers[h + 1]]);
    t.deepEqual(head.headers, expected);
    // Body bytes are passed on as they arrive: join the pieces.
    const rest = (events.slice(1) as Array<[string, string?]>).reduce<Array<[string, string?]>>((acc, e) => {
      const prev = acc[acc.length - 1];
      if (e[0] === 'body' && prev?.[0] === 'body') prev[1] += e[1] ?? '';
      else acc.push([...e] as [string, string?]);
      return acc;
    }, []);
    t.deepEqual(rest, request.body ? [['body', 'abc'], ['end']] : [['end']]);
  }
});

function frameOf(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h[1] = flags;
  h.writeUInt32LE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

test("answers: what Python writes, Node reads back exactly (random answers, WSGI's str or ASGI's bytes headers, random cuts)", async (t) => {
  const python = pythonCodec(t);
  const rnd = random(7);
  for (let i = 0; i < 150; i++) {
    const headers: string[][] = [];
    for (let h = 0; h < Math.floor(rnd() * 5); h++) headers.push([`X-A${h}`, latin1(rnd, 20)]);
    const chunks = Array.from({ length: Math.floor(rnd() * 4) }, () => latin1(rnd, 50, '') || 'x');
    const abort = i % 9 === 0 ? 'it broke' : undefined;
    const whole = i % 4 === 1 ? latin1(rnd, 40, '') : undefined;
    const status = [200, 201, 404, 500, 204][i % 5];
    // A third of the answers as ASGI writes them (bytes headers), the rest as WSGI does.
    const asgi = i % 3 === 0;
    const hex = (await python({ op: 'answer', status, headers, chunks, abort, whole: whole ?? null, bytes: asgi })) as string;
    const bytes = Buffer.from(hex, 'hex');
    const seen: unknown[] = [];
    const decoder = new AnswerDecoder({
      head: (s, h, last) => seen.push(['head', s, h, last]),
      body: (c, last) => seen.push(['body', c.toString('latin1'), last]),
      abort: (m) => seen.push(['abort', m]),
      raw: (c) => seen.push(['raw', c.toString('latin1')]),
    });
    for (const [a, b] of cuts(bytes.length, rnd)) decoder.feed(bytes.subarray(a, b));
    // Body pieces may arrive cut anywhere: join them for the comparison.
    const joined: unknown[] = [];
    for (const e of seen as Array<[string, ...unknown[]]>) {
      const prev = joined[joined.length - 1] as [string, string, boolean] | undefined;
      if (e[0] === 'body' && prev?.[0] === 'body' && !prev[2]) {
        prev[1] += e[1] as string;
        prev[2] = e[2] as boolean;
      } else joined.push([...e]);
    }
    const flat = headers.flat();
    if (whole !== undefined) {
      const withLength = status === 204 ? flat : [...flat, 'Content-Length', String(Buffer.byteLength(whole, 'latin1'))];
      t.deepEqual(
        joined,
        whole && status !== 204
          ? [
              ['head', status, withLength, false],
              ['body', whole, true],
            ]
          : [['head', status, withLength, true]],
      );
      continue;
    }
    const expected: unknown[] = [['head', status, flat, chunks.length === 0 && !abort]];
    // A 204 never has a body, whatever the app writes.
    const body = status === 204 ? '' : chunks.join('');
    if (body) expected.push(['body', body, false]);
    if (abort) expected.push(['abort', abort]);
    else if (chunks.length > 0) expected.push(['body', '', true]);
    // An empty closing frame after pieces reads as the end of the last piece.
    const normal = (expected as Array<[string, ...unknown[]]>).reduce<unknown[]>((acc, e) => {
      const prev = acc[acc.length - 1] as [string, string, boolean] | undefined;
      if (e[0] === 'body' && prev?.[0] === 'body' && !prev[2]) {
        prev[1] += e[1] as string;
        prev[2] = e[2] as boolean;
      } else acc.push([...e]);
      return acc;
    }, []);
    t.deepEqual(joined, normal);
  }
});

/** A FrameConnection with a scripted app on the other end of a socketpair. */
function pair(t: ExecutionContext): { connection: FrameConnection; app: net.Socket; idle: FrameConnection[]; received: () => Buffer } {
  const [a, b] = socketPair('stream');
  const ours = new net.Socket({ fd: a, readable: true, writable: true });
  const app = new net.Socket({ fd: b, readable: true, writable: true });
  let received = Buffer.alloc(0);
  app.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  const idle: FrameConnection[] = [];
  const connection = new FrameConnection(ours, (c) => idle.push(c));
  t.teardown(() => {
    connection.destroy();
    app.destroy();
  });
  return { connection, app, idle, received: () => received };
}

function collect(): FrameExchange & { events: unknown[]; done: Promise<void> } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const events: unknown[] = [];
  return {
    events,
    done,
    head: (status, headers) => events.push(['head', status, headers]),
    body: (chunk) => {
      events.push(['body', chunk.toString()]);
      return true;
    },
    end: () => {
      events.push(['end']);
      finish();
    },
    fail: (error, started) => {
      events.push(['fail', error.message, started]);
      finish();
    },
  };
}

const answerHead = (status: number, headers: string[], last = false): Buffer =>
  frameOf(FrameType.HEAD, last ? FrameFlag.LAST : 0, Buffer.from([String(status), ...headers].join('\0'), 'latin1'));
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

test('connection: an answer before the body is complete ends the request; the connection is reused', async (t) => {
  const { connection, app, idle, received } = pair(t);
  const ex = collect();
  const request: FrameRequest = {
    method: 'POST',
    target: '/',
    path: '/',
    query: '',
    version: '1.1',
    scheme: 'http',
    remoteAddress: '',
    remotePort: 0,
    serverAddress: '',
    serverPort: 0,
    serverName: '',
    rawHeaders: [],
    body: true,
  };
  const call = connection.start(request, ex);
  call.write(Buffer.from('part'));
  app.write(Buffer.concat([answerHead(200, ['A', 'b']), frameOf(FrameType.BODY, FrameFlag.LAST, Buffer.from('ok'))]));
  await ex.done;
  t.deepEqual(ex.events, [['head', 200, ['A', 'b']], ['body', 'ok'], ['end']]);
  t.deepEqual(idle, [connection]);
  t.false(call.open);
  call.write(Buffer.from('stale'));
  await until(() => received().length >= encodeRequestHead(request).length + 8 + 4 + 8);
  // Head, the one piece, then LAST; nothing of what came after the answer.
  const sent = received();
  t.false(sent.includes('stale'));
  t.deepEqual([...sent.subarray(sent.length - 8)], [FrameType.BODY, FrameFlag.LAST, 0, 0, 0, 0, 0, 0]);
});

test('connection: a client that leaves sends ABORT, the rest of the answer is dropped, then reuse', async (t) => {
  const { connection, app, idle, received } = pair(t);
  const ex = collect();
  const call = connection.start(
    {
      method: 'GET',
      target: '/',
      path: '/',
      query: '',
      version: '1.1',
      scheme: 'http',
      remoteAddress: '',
      remotePort: 0,
      serverAddress: '',
      serverPort: 0,
      serverName: '',
      rawHeaders: [],
      body: false,
    },
    ex,
  );
  app.write(answerHead(200, []));
  await until(() => ex.events.length === 1);
  call.abort();
  await until(() => received().includes(Buffer.from([FrameType.ABORT, 0, 0, 0, 0, 0, 0, 0])));
  app.write(Buffer.concat([frameOf(FrameType.BODY, 0, Buffer.from('late')), frameOf(FrameType.BODY, FrameFlag.LAST, Buffer.alloc(0))]));
  await until(() => idle.length === 1);
  t.deepEqual(ex.events, [['head', 200, []]]);
  t.true(connection.idle);
  // The app aborts an answer after its head: fail(started), and the connection goes on.
  const ex2 = collect();
  connection.start(
    {
      method: 'GET',
      target: '/',
      path: '/',
      query: '',
      version: '1.1',
      scheme: 'http',
      remoteAddress: '',
      remotePort: 0,
      serverAddress: '',
      serverPort: 0,
      serverName: '',
      rawHeaders: [],
      body: false,
    },
    ex2,
  );
  app.write(Buffer.concat([answerHead(200, []), frameOf(FrameType.ABORT, 0, Buffer.from('boom'))]));
  await ex2.done;
  t.deepEqual(ex2.events, [
    ['head', 200, []],
    ['fail', 'the application aborted its answer: boom', true],
  ]);
  t.true(connection.idle);
});

test('connection: a 101 hands the raw stream over with the bytes that came with it; garbage fails', async (t) => {
  const { connection, app } = pair(t);
  let handed: { socket: net.Socket; rest: Buffer } | undefined;
  const ex = { ...collect(), upgraded: (socket: net.Socket, rest: Buffer) => (handed = { socket, rest }) };
  connection.start(
    {
      method: 'GET',
      target: '/',
      path: '/',
      query: '',
      version: '1.1',
      scheme: 'http',
      remoteAddress: '',
      remotePort: 0,
      serverAddress: '',
      serverPort: 0,
      serverName: '',
      rawHeaders: [],
      body: false,
      upgrade: true,
    },
    ex,
  );
  app.write(Buffer.concat([answerHead(101, ['Upgrade', 'websocket']), Buffer.from('raw bytes')]));
  await until(() => handed !== undefined);
  t.deepEqual(ex.events, [['head', 101, ['Upgrade', 'websocket']]]);
  t.is(handed!.rest.toString(), 'raw bytes');
  t.true(connection.dead);

  const other = pair(t);
  const ex2 = collect();
  other.connection.start(
    {
      method: 'GET',
      target: '/',
      path: '/',
      query: '',
      version: '1.1',
      scheme: 'http',
      remoteAddress: '',
      remotePort: 0,
      serverAddress: '',
      serverPort: 0,
      serverName: '',
      rawHeaders: [],
      body: false,
    },
    ex2,
  );
  other.app.write(Buffer.from([9, 0, 0, 0, 1, 0, 0, 0, 0]));
  await ex2.done;
  t.regex((ex2.events[0] as string[])[1], /malformed: an unknown frame type 9/);
  t.true(other.connection.dead);
});
