// Weft's own HTTP endpoints, named in settings.weft (absent from Unit
// configurations), served by the controller:
//   settings.weft.health   GET /live   200 while the router answers (503 otherwise)
//                          GET /ready  200 when ready (src/health/readiness.ts), 503 with the reasons
//   settings.weft.metrics  GET /metrics  what the control API's /metrics answers
// for load balancers, Kubernetes' httpGet probes and Prometheus (which
// scrapes TCP, not the control socket). Both may name one address.
//
// They live in the controller, not the router: they must say "not ready"
// while the router is down or restarting, and they are applied with the
// configuration, all or nothing (an address that cannot be bound fails the
// change). main binds the sockets (the controller is unprivileged).
import http from 'node:http';

import type { Readiness } from '../../health/readiness.js';

export interface WeftEndpointDeps {
  /** A listening socket for the address, from main. */
  listen(address: string): Promise<number>;
  readiness(): Promise<Readiness>;
  /** Resolves when the router answers; rejects with why not. */
  live(): Promise<void>;
  metrics(accept: string | undefined): Promise<{ contentType: string; text: string }>;
  version: string;
}

export interface PreparedEndpoints {
  commit(): void;
  abandon(): void;
}

type Feature = 'health' | 'metrics';

interface Endpoint {
  server: http.Server;
  features: Set<Feature>;
}

/** What settings.weft asks for: address -> what it serves. */
export function wantedEndpoints(config: unknown): Map<string, Set<Feature>> {
  const weft = (config as { settings?: { weft?: Partial<Record<Feature, unknown>> } } | null)?.settings?.weft;
  const wanted = new Map<string, Set<Feature>>();
  for (const feature of ['health', 'metrics'] as const) {
    const address = weft?.[feature];
    if (typeof address !== 'string') continue;
    const set = wanted.get(address) ?? new Set<Feature>();
    set.add(feature);
    wanted.set(address, set);
  }
  return wanted;
}

export class WeftEndpoints {
  readonly #deps: WeftEndpointDeps;
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(deps: WeftEndpointDeps) {
    this.#deps = deps;
  }

  /** The addresses served now. */
  addresses(): string[] {
    return [...this.#endpoints.keys()];
  }

  /** Binds the addresses `config` adds; commit() switches over, abandon() undoes. */
  async prepare(config: unknown): Promise<PreparedEndpoints> {
    const wanted = wantedEndpoints(config);
    const fresh = new Map<string, Endpoint>();
    try {
      for (const [address, features] of wanted) {
        if (this.#endpoints.has(address)) continue;
        const fd = await this.#deps.listen(address);
        const endpoint: Endpoint = { server: http.createServer(), features };
        endpoint.server.on('request', (req, res) => void this.#handle(endpoint, req, res));
        fresh.set(address, endpoint);
        await new Promise<void>((resolve, reject) => {
          endpoint.server.once('error', reject);
          endpoint.server.listen({ fd }, () => resolve());
        });
      }
    } catch (e) {
      for (const { server } of fresh.values()) close(server);
      throw e;
    }
    return {
      commit: () => {
        for (const [address, endpoint] of this.#endpoints) {
          const features = wanted.get(address);
          if (features) endpoint.features = features;
          else {
            close(endpoint.server);
            this.#endpoints.delete(address);
          }
        }
        for (const [address, endpoint] of fresh) this.#endpoints.set(address, endpoint);
      },
      abandon: () => {
        for (const { server } of fresh.values()) close(server);
      },
    };
  }

  close(): void {
    for (const { server } of this.#endpoints.values()) close(server);
    this.#endpoints.clear();
  }

  async #handle(endpoint: Endpoint, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const feature: Feature | undefined = path === '/live' || path === '/ready' ? 'health' : path === '/metrics' ? 'metrics' : undefined;
    if (feature === undefined || !endpoint.features.has(feature))
      return send(req, res, 404, { error: "Value doesn't exist." }, this.#deps.version);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, { error: "Method isn't allowed." }, this.#deps.version);
    if (path === '/metrics') {
      try {
        const { contentType, text } = await this.#deps.metrics(headerValue(req.headers.accept));
        return send(req, res, 200, text, this.#deps.version, contentType);
      } catch (e) {
        return send(req, res, 500, { error: 'Failed to get metrics.', detail: (e as Error).message }, this.#deps.version);
      }
    }
    if (path === '/live') {
      try {
        await this.#deps.live();
        return send(req, res, 200, { live: true }, this.#deps.version);
      } catch (e) {
        return send(req, res, 503, { live: false, reasons: [(e as Error).message] }, this.#deps.version);
      }
    }
    let readiness: Readiness;
    try {
      readiness = await this.#deps.readiness();
    } catch (e) {
      readiness = { ready: false, reasons: [(e as Error).message] };
    }
    return send(req, res, readiness.ready ? 200 : 503, readiness, this.#deps.version);
  }
}

function close(server: http.Server): void {
  server.close();
  server.closeAllConnections();
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: unknown,
  version: string,
  contentType = 'application/json',
): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    Server: `Weft/${version}`,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
