// A configuration compiled for the router: listeners, settings and the
// request pipeline, built once per configuration and shared by every
// request that starts while it is in force.
import type http from 'node:http';

import type { ListenerSpec } from './listeners/listener-set.js';
import { httpSettings } from './settings.js';
import type { HttpSettings } from './settings.js';
import { errorPage } from './http/error-page.js';

interface RawListener {
  pass?: string;
  backlog?: number;
  tls?: unknown;
  forwarded?: unknown;
}

interface RawConfig {
  listeners?: Record<string, RawListener>;
  settings?: { http?: Record<string, unknown> };
}

export interface ListenerConf {
  address: string;
  pass: string;
}

export class Configuration {
  readonly http: HttpSettings;
  readonly listenerSpecs = new Map<string, ListenerSpec>();
  readonly listeners = new Map<string, ListenerConf>();

  constructor(raw: RawConfig) {
    this.http = httpSettings(raw.settings as never);
    for (const [address, l] of Object.entries(raw.listeners ?? {})) {
      this.listenerSpecs.set(address, { address, kind: 'http', backlog: l.backlog });
      this.listeners.set(address, { address, pass: l.pass ?? '' });
    }
  }

  /** Everything that can fail before the switch (applications starting). */
  async prepare(): Promise<void> {}

  /** No longer the configuration in force: release what only it used. */
  retire(): void {}

  handle(_listener: string, _req: http.IncomingMessage, res: http.ServerResponse): void {
    const body = errorPage(404);
    res.writeHead(404, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

export function compileConfiguration(raw: unknown): Configuration {
  return new Configuration((raw ?? {}) as RawConfig);
}
