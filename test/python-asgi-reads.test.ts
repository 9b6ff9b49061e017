// What a request costs an ASGI process in memory traffic: reads land in one
// buffer the process's connections share. asyncio's own reads allocate 256
// KiB each, which glibc maps (mmap, mremap, munmap) per read in a fresh
// process: page faults on every request, and a third of the throughput.
// Counted in page faults, not time: a request must not fault at all.
import fs from 'node:fs';

import test from 'ava';

import { startPython } from './helpers/python-app.js';
import type { FrameConnection, FrameRequest } from '../src/transport/frames/index.js';

const CONNECTIONS = 4;
const PER_CONNECTION = 500;

function minorFaults(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

function get(path: string): FrameRequest {
  return {
    method: 'GET',
    target: path,
    path: Buffer.from(path, 'latin1'),
    query: '',
    version: '1.1',
    scheme: 'http',
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    serverAddress: '127.0.0.1',
    serverPort: 8080,
    serverName: 'localhost',
    appTarget: '',
    rawHeaders: ['Host', 'localhost', 'User-Agent', 'test'],
    body: false,
    upgrade: false,
  };
}

/** `count` requests one after the other on `c`; resolves with how many answered 200. */
function requests(c: FrameConnection, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let ok = 0;
    let left = count;
    const next = (): void => {
      if (left-- === 0) return resolve(ok);
      let status = 0;
      c.start(get('/scope'), {
        head: (s) => void (status = s),
        body: () => true,
        end: () => {
          if (status === 200) ok++;
          setImmediate(next);
        },
        fail: reject,
      });
    };
    next();
  });
}

test('a request costs the ASGI process no page fault (reads reuse one buffer)', async (t) => {
  const app = await startPython(t, { config: { module: 'asgi_app', callable: 'app' } });
  await app.ready;
  const pid = app.child.pid!;
  const connections = Array.from({ length: CONNECTIONS }, () => app.frames());
  t.teardown(() => connections.forEach((c) => c.destroy()));
  // Warm up: the interpreter's own arenas and caches settle first.
  await Promise.all(connections.map((c) => requests(c, 50)));
  const before = minorFaults(pid);
  const answered = await Promise.all(connections.map((c) => requests(c, PER_CONNECTION)));
  const faults = minorFaults(pid) - before;
  const total = CONNECTIONS * PER_CONNECTION;
  t.deepEqual(answered, Array(CONNECTIONS).fill(PER_CONNECTION) as number[]);
  // 256 KiB mapped per read faulted twice per request; a heap that settled faults a handful of times in all.
  t.true(faults < total / 10, `${faults} minor page faults for ${total} requests`);
});
