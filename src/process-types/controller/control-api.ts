// The control API's HTTP surface (Unit's nxt_controller_process_request):
// which path and method go where, and how answers are written.
import type http from 'node:http';

import { getAt, splitConfigPath } from '../../config/edit.js';
import type { ModuleInfo } from '../../protocol/discovery.js';
import type { ServerStatus } from './server-status.js';
import type { CertificateService } from './certificates.js';
import type { ConfigService } from './config-service.js';
import { failure, Replies, reasonPhrase, replyBody, success } from './replies.js';
import type { Reply } from './replies.js';

/** Bodies above this are refused (413) before they are read in full. */
const MAX_BODY = 64 * 1024 * 1024;

export interface ControlApiDeps {
  config: ConfigService;
  certificates: CertificateService;
  /** The application modules in force (they may change once after the start: main's controller.modules). */
  modules: () => ModuleInfo[];
  version: string;
  status(): Promise<ServerStatus>;
  restartApp(name: string): Promise<void>;
  /** GET /metrics (Weft only): the exposition in the format Accept asks for. */
  metrics(accept: string | undefined): Promise<{ contentType: string; text: string }>;
}

/** Unit's "modules" member of /status: type -> {version, lib} (an array when several versions). */
export function modulesStatus(modules: ModuleInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of modules) {
    const entry = { version: m.version, lib: m.lib ?? m.file };
    const prev = out[m.type];
    out[m.type] = prev === undefined ? entry : Array.isArray(prev) ? [...prev, entry] : [prev, entry];
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.destroy();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export class ControlApi {
  #d: ControlApiDeps;

  constructor(deps: ControlApiDeps) {
    this.#d = deps;
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req)
      .then((body) => (body === null ? Replies.tooLarge() : this.dispatch(req.method ?? 'GET', req.url ?? '/', body, req.headers)))
      .catch((e: Error) => failure(500, 'Internal error.', e.message))
      .then((reply) => this.#write(res, reply));
  }

  async dispatch(method: string, url: string, body: Buffer, headers: http.IncomingHttpHeaders): Promise<Reply> {
    let path = url.split('?')[0];
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const under = (prefix: string): string | undefined =>
      path === prefix ? '' : path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;

    const configPath = under('/config');
    if (configPath !== undefined) return this.#config(method, configPath, body, headers);

    const statusPath = under('/status');
    if (statusPath !== undefined) {
      if (method !== 'GET') return Replies.invalidMethod();
      return this.#status(statusPath);
    }

    const certPath = under('/certificates');
    if (certPath !== undefined) {
      const certs = this.#d.certificates;
      if (method === 'GET') return certs.get(certPath);
      if (method === 'PUT') return this.#d.config.exclusive(() => certs.put(certPath, body));
      if (method === 'DELETE') return this.#d.config.exclusive(() => certs.delete(certPath));
      return Replies.invalidMethod();
    }

    if (path.startsWith('/control/')) return this.#control(method, path.slice('/control/'.length));

    if (path === '/metrics') {
      if (method !== 'GET') return Replies.invalidMethod();
      try {
        const { contentType, text } = await this.#d.metrics(headerValue(headers.accept));
        return { status: 200, body: null, text, headers: { 'Content-Type': contentType } };
      } catch (e) {
        return Replies.metricsFailed((e as Error).message);
      }
    }

    if (path === '/') {
      if (method !== 'GET') return Replies.invalidMethod();
      const status = await this.#statusObject().catch(() => ({}));
      return { status: 200, body: { certificates: this.#d.certificates.all(), config: this.#d.config.current, status } };
    }
    return Replies.notFound();
  }

  #config(method: string, path: string, body: Buffer, headers: http.IncomingHttpHeaders): Promise<Reply> | Reply {
    const { config } = this.#d;
    const inner = path === '' ? '/' : path;
    if (method === 'GET') return config.get(inner);
    // POST appends to an array; the root is an object.
    if (method === 'POST' && inner === '/') return Replies.notAllowed();
    if (method === 'PUT' || method === 'POST' || method === 'DELETE') {
      return config.change(method, inner, body, headerValue(headers['if-match']));
    }
    return Replies.notAllowed();
  }

  async #statusObject(): Promise<Record<string, unknown>> {
    return { modules: modulesStatus(this.#d.modules()), ...(await this.#d.status()) };
  }

  async #status(path: string): Promise<Reply> {
    let status: Record<string, unknown>;
    try {
      status = await this.#statusObject();
    } catch (e) {
      return Replies.statusFailed((e as Error).message);
    }
    const segments = splitConfigPath(path === '' ? '/' : path);
    const found = segments === null ? { ok: false as const } : getAt(status, segments);
    return found.ok ? { status: 200, body: found.value } : Replies.invalidPath();
  }

  async #control(method: string, path: string): Promise<Reply> {
    if (method !== 'GET') return Replies.notAllowed();
    const m = /^applications\/(.+)\/restart$/.exec(path);
    if (!m) return Replies.notFound();
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      return Replies.notFound();
    }
    const apps = (this.#d.config.current as { applications?: Record<string, unknown> }).applications;
    if (!apps || !Object.prototype.hasOwnProperty.call(apps, name)) return Replies.notFound();
    try {
      await this.#d.restartApp(name);
    } catch (e) {
      return failure(500, 'Failed to restart app.', (e as Error).message);
    }
    return success('Ok');
  }

  #write(res: http.ServerResponse, reply: Reply): void {
    const body = replyBody(reply);
    res.shouldKeepAlive = false;
    res.writeHead(reply.status, reasonPhrase(reply.status), {
      Server: `Weft/${this.#d.version}`,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
      ...reply.headers,
    });
    res.end(body);
  }
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}
