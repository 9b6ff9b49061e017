// The HTTP health endpoint (Weft only): settings.weft.health names an
// address, like a listener's, where the controller answers
//   GET /live   200 while the router answers (503 otherwise)
//   GET /ready  200 when ready (src/health/readiness.ts), 503 with the reasons
// for load balancers and Kubernetes' httpGet probes. It lives in the
// controller, not the router: it must say "not ready" while the router is
// down or restarting, and it is applied with the configuration, all or
// nothing (a health address that cannot be bound fails the change).
import http from 'node:http';

import type { Readiness } from '../../health/readiness.js';

export interface HealthEndpointDeps {
  /** A listening socket for the address (main binds it: the controller is unprivileged). */
  listen(address: string): Promise<number>;
  readiness(): Promise<Readiness>;
  /** Resolves when the router answers; rejects with why not. */
  live(): Promise<void>;
  version: string;
}

export interface PreparedHealth {
  commit(): void;
  abandon(): void;
}

/** settings.weft.health of a configuration, if any. */
export function healthAddress(config: unknown): string | undefined {
  const weft = (config as { settings?: { weft?: { health?: unknown } } } | null)?.settings?.weft;
  return typeof weft?.health === 'string' ? weft.health : undefined;
}

export class HealthEndpoint {
  readonly #deps: HealthEndpointDeps;
  #address: string | undefined;
  #server: http.Server | undefined;

  constructor(deps: HealthEndpointDeps) {
    this.#deps = deps;
  }

  get address(): string | undefined {
    return this.#address;
  }

  /** Binds what `config` asks for (if it differs from now); commit() switches over, abandon() undoes. */
  async prepare(config: unknown): Promise<PreparedHealth> {
    const wanted = healthAddress(config);
    if (wanted === this.#address) return { commit: () => {}, abandon: () => {} };
    let server: http.Server | undefined;
    if (wanted !== undefined) {
      const fd = await this.#deps.listen(wanted);
      server = http.createServer((req, res) => void this.#handle(req, res));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen({ fd }, () => resolve());
      });
    }
    return {
      commit: () => {
        this.#close();
        this.#server = server;
        this.#address = wanted;
      },
      abandon: () => server?.close(),
    };
  }

  close(): void {
    this.#close();
    this.#address = undefined;
  }

  #close(): void {
    const old = this.#server;
    this.#server = undefined;
    if (old) {
      old.close();
      old.closeAllConnections();
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    let status: number;
    let body: unknown;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      status = 405;
      body = { error: "Method isn't allowed." };
    } else if (path === '/live') {
      try {
        await this.#deps.live();
        status = 200;
        body = { live: true };
      } catch (e) {
        status = 503;
        body = { live: false, reasons: [(e as Error).message] };
      }
    } else if (path === '/ready') {
      let readiness: Readiness;
      try {
        readiness = await this.#deps.readiness();
      } catch (e) {
        readiness = { ready: false, reasons: [(e as Error).message] };
      }
      status = readiness.ready ? 200 : 503;
      body = readiness;
    } else {
      status = 404;
      body = { error: "Value doesn't exist." };
    }
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, {
      Server: `Weft/${this.#deps.version}`,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}
