// A TCP port the kernel chose, free at the moment of asking (tests bind it
// right away; another program taking it in between is unlikely, and the
// test then fails loudly with EADDRINUSE rather than passing wrongly).
//
// Test files run in parallel processes, and the kernel may hand the same
// port to two of them in turn once the first has let it go: each port is
// therefore claimed for the whole run (a directory per port, made
// atomically, under one directory per ava run), and never given twice.
// Two runs at once (two copies of npm test, CI beside a developer's run)
// would do the same to each other: a port is also claimed machine-wide, by
// a symlink naming the claiming run's ava, free again once that ava is gone.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { isAlive } from './processes.js';
import { runDir } from './run-dirs.js';

const SHARED = path.join(os.tmpdir(), 'weft-test-ports-all');

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

/** The port for this ava run across the machine; a claim of a run that is gone is taken over. */
function claimShared(port: number): boolean {
  const link = path.join(SHARED, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.symlinkSync(String(process.ppid), link);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another user's directory we may not write in: this run's own claim is all there is.
      if (code === 'EACCES' || code === 'EPERM') return true;
      if (code !== 'EEXIST') throw e;
    }
    let owner: number;
    try {
      owner = Number(fs.readlinkSync(link));
    } catch {
      continue; // released meanwhile
    }
    if (owner === process.ppid) return true;
    if (isAlive(owner) || !removeClaim(link)) return false;
  }
  return false;
}

/** False when it is another user's (the directory is sticky). */
function removeClaim(link: string): boolean {
  try {
    fs.rmSync(link, { force: true });
    return true;
  } catch {
    return false;
  }
}

let swept = false;

/** Once per test process: the machine-wide claims of runs that are gone are dropped. */
function sweepShared(): void {
  if (swept) return;
  swept = true;
  fs.mkdirSync(SHARED, { recursive: true });
  // Shared by every user's runs (sticky: each removes only its own claims); the umask would narrow mkdir's mode.
  try {
    fs.chmodSync(SHARED, 0o1777);
  } catch {
    // Someone else's: it has its mode already.
  }
  const alive = new Map<number, boolean>();
  for (const name of fs.readdirSync(SHARED)) {
    const link = path.join(SHARED, name);
    let owner: number;
    try {
      owner = Number(fs.readlinkSync(link));
    } catch {
      continue;
    }
    if (!alive.has(owner)) alive.set(owner, isAlive(owner));
    if (!alive.get(owner)) removeClaim(link);
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const claims = runDir('weft-test-ports-');
  sweepShared();
  for (let i = 0; i < 50; i++) {
    const port = await kernelPort(host);
    if (claim(claims, port) && claimShared(port)) return port;
  }
  throw new Error('no unclaimed port after 50 tries');
}
