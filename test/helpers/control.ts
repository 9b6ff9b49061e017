// The control API with a deadline: a controller that hangs must fail the
// test with "no answer", not stall it until ava's own timeout.
import http from 'node:http';

import { scaled } from './machine.js';

export interface ControlAnswer {
  status: number;
  body: unknown;
  text: string;
  ms: number;
}

export class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/** One request over the control socket; rejects with NoAnswer after `timeoutMs` (scaled by load). */
export function control(socketPath: string, method: string, path: string, body?: string, timeoutMs = 30000): Promise<ControlAnswer> {
  const limit = scaled(timeoutMs);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path,
        agent: false,
        headers: body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text, ms: Date.now() - started });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new NoAnswer(`${method} ${path}: no answer within ${limit} ms`));
    }, limit);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

/** PUT that must succeed. */
export async function put(socketPath: string, path: string, value: unknown, timeoutMs?: number): Promise<ControlAnswer> {
  const r = await control(socketPath, 'PUT', path, JSON.stringify(value), timeoutMs);
  if (r.status !== 200) throw new Error(`PUT ${path} failed: ${r.status} ${r.text}`);
  return r;
}
