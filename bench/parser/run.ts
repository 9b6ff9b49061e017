// bench/parser: what reading an application's answer costs the router with
// each of the two readers of transport/ (the Node internal HTTP parser used
// directly, and the public http.ClientRequest fallback), so that the figure
// in node-internals/http-parser.ts can be checked on any Node:
//
//   node dist/bench/parser/run.js [--requests 20000] [--rounds 3]
//
// One connection over a unix socket to a child process that answers every
// request with the same small response; requests one at a time. The figure
// is this process's CPU (user + system) per answer: the reader, the socket
// reads and the request writes, which are the same for both readers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { nodeHttpParser } from '../../src/node-internals/http-parser.js';
import { NodeParserReader } from '../../src/transport/http1-node-reader.js';
import { PublicClientReader } from '../../src/transport/http1-public-reader.js';
import type { ReaderSink, ResponseReader } from '../../src/transport/http1-reader.js';
import { median } from '../lib/stats.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const ANSWERER = `
const net = require('node:net');
const answer = 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 12\\r\\nX-App: bench\\r\\n\\r\\nhello world\\n';
net.createServer((s) => {
  let pending = '';
  s.on('data', (d) => {
    pending += d.toString('latin1');
    let i;
    while ((i = pending.indexOf('\\r\\n\\r\\n')) !== -1) { pending = pending.slice(i + 4); s.write(answer); }
  });
}).listen(process.argv[1], () => process.send('ready'));
`;

type Make = (socket: net.Socket, sink: ReaderSink) => ResponseReader;

async function measure(socketPath: string, make: Make): Promise<number> {
  const socket = net.connect(socketPath);
  await new Promise((resolve) => socket.once('connect', resolve));
  let done: () => void = () => undefined;
  let finished = false;
  const reader = make(socket, {
    head: () => undefined,
    body: () => true,
    complete: () => done(),
    broken: (e) => {
      // The close that ends each measurement is not a failure.
      if (!finished) throw e;
    },
  });
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      done = resolve;
      reader.begin(false);
      socket.write('GET / HTTP/1.1\r\nHost: app\r\n\r\n', 'latin1');
    });
  for (let i = 0; i < 2000; i++) await one();
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) await one();
  const used = process.cpuUsage(before);
  finished = true;
  reader.close();
  socket.destroy();
  return (used.user + used.system) / requests;
}

async function main(): Promise<void> {
  const HTTPParser = nodeHttpParser();
  if (!HTTPParser) throw new Error(`this Node (${process.version}) has no usable internal parser: nothing to compare`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-parser-'));
  const socketPath = path.join(dir, 'app.sock');
  const child = spawn(process.execPath, ['-e', ANSWERER, socketPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  const readers: [string, Make][] = [
    ['node parser (internal)', (s, sink) => new NodeParserReader(HTTPParser, s, sink)],
    ['http.ClientRequest (public)', (s, sink) => new PublicClientReader(s, sink)],
  ];
  const samples = new Map<string, number[]>(readers.map(([name]) => [name, []]));
  try {
    for (let r = 0; r < rounds; r++) for (const [name, make] of readers) samples.get(name)!.push(await measure(socketPath, make));
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const base = median(samples.get(readers[0][0])!);
  process.stdout.write(`Node ${process.version}, ${requests} answers x ${rounds} rounds, CPU of the reading process per answer (median)\n`);
  for (const [name] of readers) {
    const m = median(samples.get(name)!);
    process.stdout.write(`  ${name.padEnd(30)} ${m.toFixed(1).padStart(6)} us  ${(m / base).toFixed(2)}x\n`);
  }
}

void main();
