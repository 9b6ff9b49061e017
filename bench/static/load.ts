// The load generator, in its own process so that it never competes with a
// server for an event loop: N keep-alive connections, each sending its next
// GET as soon as the previous response has fully arrived.
//   node load.js PORT PATH CONNECTIONS SECONDS WARMUP_SECONDS [raw|agent]
// "raw" (default) drives plain TCP sockets with a minimal HTTP/1.1 response
// parser (Content-Length and chunked bodies): far cheaper per request than
// Node's http client, so it caps the measurement later. "agent" uses
// http.request with a keep-alive http.Agent. Prints one JSON line:
// { requests, seconds, perSecond, errors }.
import http from 'node:http';
import net from 'node:net';

const [portText, target, connectionsText, secondsText, warmupText, client = 'raw'] = process.argv.slice(2);
const port = Number(portText);
const connections = Number(connectionsText);
const seconds = Number(secondsText);
const warmup = Number(warmupText);

let counting = false;
let running = true;
let requests = 0;
let errors = 0;

function done(status: number): void {
  if (!counting) return;
  if (status === 200) requests++;
  else errors++;
}

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkCrlf,
  Trailer,
}

const CRLF2 = Buffer.from('\r\n\r\n');

function rawConnection(): void {
  const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let state = State.Head;
  let head = Buffer.alloc(0);
  let status = 0;
  let remaining = 0;
  let chunked = false;
  let line = '';

  const finish = (): void => {
    done(status);
    state = State.Head;
    if (running) socket.write(request);
  };
  /** Returns true when the response has no body to wait for. */
  const startBody = (headText: string): boolean => {
    status = Number(headText.slice(9, 12));
    const lower = headText.toLowerCase();
    chunked = lower.includes('\r\ntransfer-encoding: chunked');
    const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
    remaining = cl ? Number(cl[1]) : 0;
    line = '';
    state = chunked ? State.ChunkSize : State.Body;
    return !chunked && remaining === 0;
  };

  socket.on('connect', () => socket.write(request));
  socket.on('data', (data: Buffer) => {
    let at = 0;
    while (at < data.length) {
      switch (state) {
        case State.Head: {
          const joined = head.length > 0 ? Buffer.concat([head, data.subarray(at)]) : data.subarray(at);
          const end = joined.indexOf(CRLF2);
          if (end < 0) {
            head = Buffer.from(joined);
            at = data.length;
            break;
          }
          const consumed = end + 4 - head.length;
          const empty = startBody(joined.toString('latin1', 0, end + 2));
          head = Buffer.alloc(0);
          at += consumed;
          if (empty) finish();
          break;
        }
        case State.Body: {
          const take = Math.min(remaining, data.length - at);
          remaining -= take;
          at += take;
          if (remaining === 0) finish();
          break;
        }
        case State.ChunkSize:
        case State.Trailer: {
          const c = data[at++];
          if (c === 0x0a) {
            const text = line.trim();
            line = '';
            if (state === State.Trailer) {
              if (text === '') finish();
            } else {
              remaining = parseInt(text, 16);
              state = remaining === 0 ? State.Trailer : State.ChunkData;
            }
          } else if (c !== 0x0d) {
            line += String.fromCharCode(c);
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(remaining, data.length - at);
          remaining -= take;
          at += take;
          if (remaining === 0) {
            state = State.ChunkCrlf;
            remaining = 2;
          }
          break;
        }
        case State.ChunkCrlf: {
          const take = Math.min(remaining, data.length - at);
          remaining -= take;
          at += take;
          if (remaining === 0) state = State.ChunkSize;
          break;
        }
      }
    }
  });
  socket.on('error', () => {
    if (running) errors++;
  });
}

function agentConnections(): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const loop = (): void => {
    const req = http.get({ host: '127.0.0.1', port, path: target, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        done(res.statusCode ?? 0);
        if (running) loop();
      });
    });
    req.on('error', () => {
      if (running) errors++;
    });
  };
  for (let i = 0; i < connections; i++) loop();
}

if (client === 'agent') agentConnections();
else for (let i = 0; i < connections; i++) rawConnection();

setTimeout(() => {
  counting = true;
  const start = process.hrtime.bigint();
  setTimeout(() => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    counting = false;
    running = false;
    process.stdout.write(`${JSON.stringify({ requests, seconds: elapsed, perSecond: requests / elapsed, errors })}\n`);
    process.exit(0);
  }, seconds * 1000);
}, warmup * 1000);
