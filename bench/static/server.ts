// One static file server for the benchmark, in its own process:
//   node server.js MODE ROOT
// MODE: "stream" (fs.createReadStream per request, the naive baseline),
// "memory" (the bytes preloaded, the ceiling for a Node server), "share"
// (Weft's compileShare handler: a stat per request) or "share-1s" (the same
// with a cached file trusted for a second without a stat, to price the stat). Listens on 127.0.0.1, port 0, and prints
// the port.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { compileShare, FileCache, type ShareRequest } from '../../src/process-types/router/share/index.js';

const [mode, root] = process.argv.slice(2);

function streamHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const stream = fs.createReadStream(path.join(root, req.url ?? '/'));
  stream.once('error', () => {
    if (!res.headersSent) res.writeHead(404).end();
    else res.destroy();
  });
  stream.once('open', () => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    stream.pipe(res);
  });
}

function memoryHandler(): http.RequestListener {
  const files = new Map<string, Buffer>();
  for (const name of fs.readdirSync(root)) files.set(`/${name}`, fs.readFileSync(path.join(root, name)));
  return (req, res) => {
    const body = files.get(req.url ?? '/');
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  };
}

/** `revalidateMs`: 0 (the default: a stat per request, as Unit) or how long a cached file is trusted without one. */
function shareHandler(revalidateMs?: number): http.RequestListener {
  const share = compileShare(
    { share: `${root}$uri` },
    {
      mimeTypes: {},
      compileTemplate: (text) => (r) => text.replace('$uri', r.path),
      ...(revalidateMs === undefined ? {} : { cache: new FileCache({ revalidateMs }) }),
    },
  );
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const request: ShareRequest = {
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: req.headers,
      writeHead: (status, headers) => void res.writeHead(status, headers),
      res,
    };
    void share.serve(request);
  };
}

const handlers: Record<string, () => http.RequestListener> = {
  stream: () => streamHandler,
  memory: memoryHandler,
  share: () => shareHandler(),
  'share-1s': () => shareHandler(1000),
};

const make = handlers[mode];
if (make === undefined) throw new Error(`unknown mode "${mode}" (stream, memory, share, share-1s)`);
const server = http.createServer(make());
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
