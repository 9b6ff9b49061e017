// A client of the control API (for bin/weft and tests): one request over
// the control socket, the body parsed as JSON.
import fs from 'node:fs';
import http from 'node:http';
import { ErrorCodes, WeftError } from '../errors.js';

export interface ControlAddress {
  socketPath?: string;
  host?: string;
  port?: number;
}

export function parseControlAddress(text: string): ControlAddress {
  if (text.startsWith('unix:')) return { socketPath: text.slice(5) };
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (!m) throw new WeftError(ErrorCodes.CONTROL_CLIENT, `"${text}" is not a control address (unix:/path or host:port)`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export interface ControlReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  text: string;
}

export function controlRequest(
  address: ControlAddress,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...address,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new WeftError(ErrorCodes.CONTROL_CLIENT, `no answer within ${timeoutMs / 1000} s`)));
    }
    req.end(body);
  });
}

/** A control socket path that exists, for a friendlier error than ECONNREFUSED. */
export function describeUnreachable(address: ControlAddress, e: Error): string {
  if (address.socketPath && !fs.existsSync(address.socketPath)) {
    return `no control socket at ${address.socketPath} (is weftd running? set --control or WEFT_CONTROL)`;
  }
  return `cannot reach the control API: ${e.message}`;
}
