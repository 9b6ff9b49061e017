// A TCP port the kernel chose, free at the moment of asking (tests bind it
// right away; another program taking it in between is unlikely, and the
// test then fails loudly with EADDRINUSE rather than passing wrongly).
//
// Test files run in parallel processes, and the kernel may hand the same
// port to two of them in turn once the first has let it go: each port is
// therefore claimed for the whole run (a directory per port, made
// atomically, under one directory per ava run), and never given twice.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { runDir } from './run-dirs.js';

function claim(claims: string, port: number): boolean {
  try {
    fs.mkdirSync(path.join(claims, String(port)));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const claims = runDir('weft-test-ports-');
  for (let i = 0; i < 50; i++) {
    const port = await kernelPort(host);
    if (claim(claims, port)) return port;
  }
  throw new Error('no unclaimed port after 50 tries');
}
