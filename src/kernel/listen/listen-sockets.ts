// Listening sockets live in main (only it may bind privileged ports and
// create sockets where unprivileged processes cannot), and the router gets
// them as fds. A socket whose address is unchanged is reused across
// reconfigurations, so no connection is refused while a new config applies.
import fs from 'node:fs';
import net from 'node:net';

import { listenSocket } from '../../native/index.js';
import { parseListenAddress } from './address.js';
import type { ListenAddress } from './address.js';

export interface ListenSocket {
  address: ListenAddress;
  fd: number;
  /** The bound port (inet only). */
  port: number;
}

export interface ListenOptions {
  backlog?: number;
  /** Mode of a unix socket file. */
  mode?: number;
  /** Owner of a unix socket file. */
  uid?: number;
  gid?: number;
}

/** True when something accepts connections at this unix socket path. */
function unixSocketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class ListenSockets {
  #sockets = new Map<string, ListenSocket>();

  /** The socket for `address`, bound now or reused. Throws ListenError with the errno. */
  async acquire(text: string, options: ListenOptions = {}): Promise<ListenSocket> {
    const address = parseListenAddress(text);
    const existing = this.#sockets.get(address.key);
    if (existing) return existing;
    let bound: { fd: number; port: number };
    if (address.kind === 'unix') {
      // A socket file left by a crashed server would fail the bind forever.
      if (!address.abstract && fs.existsSync(address.path) && fs.lstatSync(address.path).isSocket()) {
        if (!(await unixSocketAlive(address.path))) fs.unlinkSync(address.path);
      }
      bound = listenSocket({
        type: 'unix',
        path: address.path,
        abstract: address.abstract,
        mode: options.mode ?? 0o666,
        backlog: options.backlog,
      });
      if (!address.abstract && (options.uid !== undefined || options.gid !== undefined)) {
        fs.chownSync(address.path, options.uid ?? -1, options.gid ?? -1);
      }
    } else {
      bound = listenSocket({
        type: 'tcp',
        host: address.host === '*' ? '*' : address.host,
        port: address.port,
        ipv6: address.kind === 'inet6',
        // As Unit: an IPv6 listener never also takes IPv4 ("*:port" does that).
        v6only: address.kind === 'inet6',
        backlog: options.backlog,
      });
    }
    const socket: ListenSocket = { address, fd: bound.fd, port: bound.port };
    this.#sockets.set(address.key, socket);
    return socket;
  }

  /** The key an address text reuses a socket by ("[0::1]:80" and "[::1]:80" share one). */
  keyOf(text: string): string {
    return parseListenAddress(text).key;
  }

  get(key: string): ListenSocket | undefined {
    return this.#sockets.get(key);
  }

  keys(): string[] {
    return [...this.#sockets.keys()];
  }

  /** Closes every socket whose key is not in `keep`. */
  retain(keep: Iterable<string>): void {
    const wanted = new Set(keep);
    for (const key of [...this.#sockets.keys()]) {
      if (!wanted.has(key)) this.release(key);
    }
  }

  release(key: string): void {
    const socket = this.#sockets.get(key);
    if (!socket) return;
    this.#sockets.delete(key);
    fs.closeSync(socket.fd);
    if (socket.address.kind === 'unix' && !socket.address.abstract) {
      fs.rmSync(socket.address.path, { force: true });
    }
  }

  /** On quit (the seed's nxt_process_quit): close all, remove socket files. */
  closeAll(): void {
    for (const key of this.keys()) this.release(key);
  }
}
