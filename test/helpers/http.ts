// HTTP clients for router tests: a plain request (no keep-alive agent
// surprises), and a raw socket for what well-behaved clients never send.
import http from 'node:http';
import net from 'node:net';

import { scaled } from './machine.js';

export interface Target {
  port?: number;
  host?: string;
  socketPath?: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export function request(
  target: Target,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: http.Agent | false;
    /** The client's own address (any of 127/8 on loopback). */
    localAddress?: string;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.host ?? (target.socketPath ? undefined : '127.0.0.1'),
        port: target.port,
        socketPath: target.socketPath,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A POST with "Expect: 100-continue" whose body goes only once the server
 * says 100 Continue, as curl's would (never, if it answers first).
 * `continued`: whether a 100 Continue came before the answer.
 */
export function expectingContinue(target: Target, path: string, body: string): Promise<Answer & { continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(
      {
        host: target.host ?? (target.socketPath ? undefined : '127.0.0.1'),
        port: target.port,
        socketPath: target.socketPath,
        path,
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body: all, text: all.toString(), continued });
          req.destroy();
        });
        res.on('error', reject);
      },
    );
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** Sends bytes as they are and collects everything until the server closes (or `untilText` appears). */
export async function raw(
  target: Target,
  data: string | Buffer,
  options: { untilText?: string; timeoutMs?: number } = {},
): Promise<string> {
  return (await exchange(target, data, options)).text;
}

/**
 * raw(), and who ended it: 'server' (it closed the connection), 'client'
 * (our timeout), or 'text' (untilText appeared). A test of a server-side
 * timeout asserts that the server closed, not how fast (on a busy machine
 * the clock says nothing).
 */
export function exchange(
  target: Target,
  data: string | Buffer,
  options: { untilText?: string; timeoutMs?: number } = {},
): Promise<{ text: string; endedBy: 'server' | 'client' | 'text' }> {
  return new Promise((resolve, reject) => {
    const s = target.socketPath ? net.connect(target.socketPath) : net.connect(target.port!, target.host ?? '127.0.0.1');
    let text = '';
    // The default is a bound for an idle machine (an answer that never comes), scaled by load.
    const timer = setTimeout(
      () => {
        s.destroy();
        resolve({ text, endedBy: 'client' });
      },
      options.timeoutMs ?? scaled(10000),
    );
    s.on('connect', () => s.write(data));
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (options.untilText && text.includes(options.untilText)) {
        clearTimeout(timer);
        s.destroy();
        resolve({ text, endedBy: 'text' });
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      if (text) resolve({ text, endedBy: 'server' });
      else reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, endedBy: 'server' });
    });
  });
}

/** A throwaway HTTP server on 127.0.0.1 (a proxy's upstream); closed at teardown. */
export async function backend(
  t: { teardown(fn: () => void | Promise<void>): void },
  handler: http.RequestListener,
): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, server };
}
