// A stand-in for the router on Weft's frames transport, for bench/python's
// "frames" row until the router itself is rewired: one Node process that
// starts a Python app process the way the prototype does (the python
// plugin's launch(), a port channel on fd 3), parses HTTP with Node's own
// server (as the router does) and forwards every request over a pool of
// FrameConnections. Prints "listening <port>" once the app is ready.
//
//   node dist/bench/python/frames-stand-in.js <module> [callable]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { launch } from '../../plugins/python/index.js';
import { probe } from '../../plugins/python/interpreters.js';
import { Logger } from '../../src/kernel/log/logger.js';
import { Port } from '../../src/kernel/ports/port.js';
import { socketPair } from '../../src/native/index.js';
import '../../src/plugins/application/protocol.js';
import { FrameConnection } from '../../src/transport/frames/index.js';
import type { FrameExchange } from '../../src/transport/frames/index.js';
import { repoRoot } from '../lib/servers.js';

const [appModule, callable] = process.argv.slice(2);
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const it = probe(python);
if (!it) throw new Error(`${python} is not a usable Python`);
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
const app = { type: 'python', path: path.join(repoRoot, 'bench', 'python'), module: appModule, callable, processes: 1 };
const spec = launch(app as never, { runtimeEntry: '', nodePath: process.execPath, env, module: { type: 'python', version: it.version, data: { interpreter: it.executable } } });
const [ours, theirs] = socketPair();
const child = spawn(spec.file, spec.args.slice(1), {
  argv0: spec.args[0],
  env: { ...spec.env, WEFT_APP: JSON.stringify({ name: 'bench', titlePrefix: 'weft', channelFd: 3, logLevel: 'warn', startTimeoutMs: 30000 }) },
  stdio: ['ignore', 'inherit', 'inherit', theirs],
});
fs.closeSync(theirs);
const KEY = 1;
const port = new Port(process.pid, new Logger({ fd: 2, level: 'warn' }));
port.link({ pid: KEY, type: 'application', cls: 'app', name: 'bench app' }, ours);
process.on('SIGTERM', () => {
  child.kill('SIGKILL');
  process.exit(0);
});

const idle: FrameConnection[] = [];
function acquire(): FrameConnection {
  for (let c = idle.pop(); c; c = idle.pop()) if (c.idle) return c;
  const [mine, appEnd] = socketPair('stream');
  port.notify(KEY, 'app.adopt', { slot: -1, transport: 'frames' }, [appEnd]);
  fs.closeSync(appEnd);
  return new FrameConnection(new net.Socket({ fd: mine, readable: true, writable: true }), (c) => idle.push(c));
}

const server = http.createServer((req, res) => {
  const connection = acquire();
  let done = false;
  const exchange: FrameExchange = {
    head: (status, headers) => res.writeHead(status, headers),
    body: (chunk) => res.write(chunk),
    end: () => {
      done = true;
      res.end();
    },
    fail: (_e, started) => {
      done = true;
      if (started) res.destroy();
      else res.writeHead(502).end();
    },
  };
  res.on('drain', () => connection.resumeReading());
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const body = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  const call = connection.start(
    {
      method: req.method ?? 'GET',
      target: url,
      path: decodeURIComponent(q < 0 ? url : url.slice(0, q)),
      query: q < 0 ? '' : url.slice(q + 1),
      version: req.httpVersion,
      scheme: 'http',
      remoteAddress: req.socket.remoteAddress ?? '',
      remotePort: req.socket.remotePort ?? 0,
      serverAddress: req.socket.localAddress ?? '',
      serverPort: req.socket.localPort ?? 0,
      serverName: (req.headers.host ?? '').replace(/:\d+$/, ''),
      rawHeaders: req.rawHeaders,
      body,
    },
    exchange,
  );
  res.on('close', () => {
    if (!done) call.abort();
  });
  if (body) call.pipeFrom(req);
});

port.onNotify('main.app-ready', () => {
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as net.AddressInfo).port}`));
});
port.onNotify('main.app-load', () => undefined);
port.onNotify('main.app-failed', ({ reason }) => {
  console.error(reason);
  process.exit(1);
});
