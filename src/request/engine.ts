// The request engine's configuration: what every process that accepts
// connections compiles from the same document, so that a request gets the
// same answer whichever process accepted it. Listeners (their "pass" and
// "forwarded"), routes and their actions, settings.http, the access log's
// format. No resource of any process lives here (sockets, files, upstream
// connections): those are the process's own (the router's Configuration,
// an application process's listener set).
import type { Logger } from '../kernel/log/logger.js';
import { compileFormat } from './access-log/access-log-format.js';
import type { AccessLogConfig, CompiledFormat } from './access-log/access-log-format.js';
import { compileRouteActions } from './actions.js';
import type { ActionCompileOptions, CompiledAction } from './actions.js';
import { compileForwarded } from './client-address.js';
import type { ClientResolver, ForwardedConfig } from './client-address.js';
import { compilePass } from './pass-target.js';
import type { PassTarget } from './pass-target.js';
import { compileRoutes } from './routing/index.js';
import type { CompiledRoutes } from './routing/index.js';
import { httpSettings } from './settings.js';
import type { HttpSettings } from './settings.js';

export interface RawListener {
  /** Where requests go; absent in the old form, which names an "application" instead. */
  pass?: string;
  /** Unit's old listener member: the same as "pass": "applications/<name>". */
  application?: string;
  backlog?: number;
  tls?: unknown;
  forwarded?: ForwardedConfig;
}

/** A listener's destination, also in Unit's old form ("application": "<name>"). */
export function listenerPass(l: RawListener): string {
  if (l.pass !== undefined) return l.pass;
  return `applications/${encodeURIComponent(l.application ?? '')}`;
}

/** The members of a configuration the engine reads. */
export interface RawEngineConfig {
  listeners?: Record<string, RawListener>;
  routes?: unknown;
  applications?: Record<string, unknown>;
  settings?: { http?: Record<string, unknown> };
  access_log?: AccessLogConfig;
}

export interface ListenerConf {
  address: string;
  pass: PassTarget;
  client: ClientResolver;
  tls: boolean;
}

/** What a request in progress needs of the engine that started it. */
export interface EngineView {
  readonly log: Logger;
  readonly http: HttpSettings;
  readonly serverHeader: string;
}

export interface EngineOptions<S, P> extends Omit<ActionCompileOptions<S, P>, 'mimeTypes'> {
  log: Logger;
  version: string;
  /** Only these listeners (an application process compiles those it accepts on); all when absent. */
  only?: ReadonlySet<string>;
}

export class RequestEngine<S = unknown, P = unknown> implements EngineView {
  readonly raw: RawEngineConfig;
  readonly log: Logger;
  readonly http: HttpSettings;
  readonly serverHeader: string;
  readonly listeners = new Map<string, ListenerConf>();
  readonly routes: CompiledRoutes;
  readonly actions: Map<object, CompiledAction<S, P>>;
  readonly applications: ReadonlySet<string>;
  readonly accessLogFormat: CompiledFormat | undefined;

  constructor(raw: RawEngineConfig, options: EngineOptions<S, P>) {
    this.raw = raw;
    this.log = options.log;
    this.http = httpSettings(raw.settings as never);
    this.serverHeader = this.http.serverVersion ? `Weft/${options.version}` : 'Weft';
    for (const [address, l] of Object.entries(raw.listeners ?? {})) {
      if (options.only && !options.only.has(address)) continue;
      this.listeners.set(address, {
        address,
        tls: l.tls !== undefined,
        pass: compilePass(listenerPass(l), `/listeners/${address}/${l.pass === undefined ? 'application' : 'pass'}`),
        client: compileForwarded(l.forwarded, `/listeners/${address}/forwarded`),
      });
    }
    this.routes = compileRoutes(raw.routes);
    this.actions = compileRouteActions(raw.routes, { mimeTypes: this.http.mimeTypes, share: options.share, proxy: options.proxy });
    this.applications = new Set(Object.keys(raw.applications ?? {}));
    this.accessLogFormat = raw.access_log === undefined ? undefined : compileFormat(raw.access_log, '/access_log');
  }
}
