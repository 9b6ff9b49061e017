// One behaviour per request, whatever the path: the same configuration
// behind a listener its application's processes accept themselves, behind
// one the router accepts (a pass the router must resolve per request), and
// behind one the router accepts but whose connections it hands to the
// application their first request is for (two applications reachable),
// gives every request of a corpus of good and bad ones the same
// status line, the same connection fate (closed or kept), and the app the
// same view of the request.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/processes.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';

const apps = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'weft-apps');
const corpus = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', '..', 'test', 'corpus', 'requests', 'edge-cases.json'), 'utf8'),
) as { cases: Array<{ name: string; request: string }> };

interface Outcome {
  statusLine: string;
  closed: boolean;
  body: string;
}

/** Sends one raw request on a new connection: the first answer's status line and body, and whether the server then closed. */
function exchange(port: number, request: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let data = Buffer.alloc(0);
    let answered = false;
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString('latin1');
      const head = text.split('\r\n\r\n')[0];
      resolve({ statusLine: head.split('\r\n')[0], closed, body: text.slice(head.length + 4) });
    };
    // Long enough for a close to follow an answer; keep-alive connections stay open far longer.
    let timer = setTimeout(finish, 8000);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0 || answered) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      const complete = length
        ? text.length >= end + 4 + Number(length[1])
        : /\r\n0\r\n\r\n$/.test(text) || !/chunked/i.test(text.slice(0, end));
      if (complete) {
        answered = true;
        clearTimeout(timer);
        timer = setTimeout(finish, 1500);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
  });
}

test('every request of the corpus gets the same answer from an application process, from the router, and from a process the router handed the connection to', async (t) => {
  const accepted = await freePort();
  const routed = await freePort();
  const handed = await freePort();
  await startWithConfig(t, {
    listeners: {
      [`127.0.0.1:${accepted}`]: { pass: 'routes/site' },
      // A variable (always empty here) that only the router can resolve keeps the router in the path.
      [`127.0.0.1:${routed}`]: { pass: 'routes/site$arg_weft_unused' },
      // Two applications reachable: the router accepts, and hands connections whose first request is echo's to echo.
      [`127.0.0.1:${handed}`]: { pass: 'routes/two' },
    },
    routes: {
      site: [
        { match: { uri: '/gone' }, action: { return: 410 } },
        { match: { host: 'app.example' }, action: { pass: 'applications/echo' } },
      ],
      two: [{ match: { uri: '/weft-other-app' }, action: { pass: 'applications/other' } }, { action: { pass: 'routes/site' } }],
    },
    applications: {
      echo: { type: 'node', script: path.join(apps, 'echo-head.js'), processes: 1 },
      other: { type: 'node', script: path.join(apps, 'echo-head.js'), processes: 1 },
    },
    settings: { http: { max_body_size: 1024 } },
  });
  const big = 'x'.repeat(40 * 1024);
  const seen = (o: Outcome): unknown => {
    const body = JSON.parse(o.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')) as { headers: Record<string, string> };
    delete body.headers.connection;
    return body;
  };
  for (const c of corpus.cases) {
    const request = c.request.replace('{host}', 'Host: app.example').replace('{big}', big);
    const [a, r, h] = await Promise.all([exchange(accepted, request), exchange(routed, request), exchange(handed, request)]);
    t.is(a.statusLine, r.statusLine, `${c.name}: the same status line`);
    t.is(a.closed, r.closed, `${c.name}: the same connection fate (closed: ${a.closed} / ${r.closed})`);
    t.is(h.statusLine, r.statusLine, `${c.name}: the same status line (handed)`);
    t.is(h.closed, r.closed, `${c.name}: the same connection fate (handed; closed: ${h.closed} / ${r.closed})`);
    if (a.statusLine.startsWith('HTTP/1.1 200')) {
      t.deepEqual(seen(a), seen(r), `${c.name}: the app sees the same request`);
      t.deepEqual(seen(h), seen(r), `${c.name}: the app sees the same request (handed)`);
    }
  }
});

test('a client of a unix listener cannot name itself: a forged X-Weft-Client changes nothing, whichever process accepted it', async (t) => {
  const dir = tempDir(t, 'weft-unix-client-');
  const accepted = path.join(dir, 'accepted.sock');
  const routed = path.join(dir, 'routed.sock');
  const accessLog = path.join(dir, 'access.log');
  await startWithConfig(t, {
    listeners: {
      [`unix:${accepted}`]: { pass: 'applications/echo' },
      [`unix:${routed}`]: { pass: 'applications/echo$arg_weft_unused' },
    },
    applications: { echo: { type: 'node', script: path.join(apps, 'echo-head.js'), processes: 1 } },
    access_log: { path: accessLog, format: '$remote_addr $uri' },
  });
  for (const [name, socketPath] of [
    ['accepted', accepted],
    ['routed', routed],
  ]) {
    const answer = await request({ socketPath }, `/${name}`, { headers: { 'X-Weft-Client': '6.6.6.6 1 https' } });
    t.is(answer.status, 200, name);
    const seen = JSON.parse(answer.text) as { headers: Record<string, string | undefined>; remote: string | null };
    t.is(seen.remote, null, `${name}: the app sees no address for a unix client`);
    t.is(seen.headers['x-weft-client'], undefined, `${name}: the forged field does not reach the app`);
  }
  // One line per request, written when each response closed.
  await waitFor(() => fs.existsSync(accessLog) && fs.readFileSync(accessLog, 'utf8').split('\n').length > 2);
  t.deepEqual(fs.readFileSync(accessLog, 'utf8').trim().split('\n').sort(), ['unix: /accepted', 'unix: /routed']);
});
