// The router's configuration in force and how a new one replaces it: all
// or nothing. Every new socket, the access log and the applications are
// obtained first, then the switch happens at once; requests already running
// finish under the configuration they started with, because each took its
// own reference to it.
import { isDeepStrictEqual } from 'node:util';

import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import { compileConfiguration } from './configuration.js';
import type { Configuration } from './configuration.js';
import { ApplicationRegistry } from './applications/application-gateway.js';
import { ListenerSet } from './listeners/listener-set.js';
import type { ServerFactory } from './listeners/listener-set.js';
import type { RouterStatus } from './protocol.js';
import { Counters } from './status/counters.js';

export class RouterState {
  readonly counters = new Counters();
  readonly listeners: ListenerSet;
  readonly applications: ApplicationRegistry;
  #current: Configuration | null = null;
  #raw: unknown = undefined;
  #log: Logger;
  #port: Port;
  #mainPid: number;
  #version: string;
  #factory: (state: RouterState) => ServerFactory;

  constructor(options: { port: Port; mainPid: number; log: Logger; version: string; factory: (state: RouterState) => ServerFactory }) {
    this.listeners = new ListenerSet(options.port, options.mainPid);
    this.#log = options.log;
    this.#port = options.port;
    this.#mainPid = options.mainPid;
    this.#version = options.version;
    this.#factory = options.factory;
    this.applications = new ApplicationRegistry({
      port: options.port,
      mainPid: options.mainPid,
      log: options.log,
      serverHeader: () => this.#current?.serverHeader ?? `Weft/${options.version}`,
      counters: this.counters,
    });
  }

  get current(): Configuration | null {
    return this.#current;
  }

  async configure(raw: unknown): Promise<void> {
    if (this.#current && isDeepStrictEqual(raw, this.#raw)) return;
    const next = compileConfiguration(raw, {
      log: this.#log,
      port: this.#port,
      mainPid: this.#mainPid,
      version: this.#version,
      previous: this.#current,
      applications: this.applications,
    });
    try {
      await next.prepare();
    } catch (e) {
      next.abandon();
      throw e;
    }
    let prepared;
    try {
      prepared = await this.listeners.prepare(next.listenerSpecs);
    } catch (e) {
      next.abandon();
      throw e;
    }
    const previous = this.#current;
    this.#current = next;
    this.#raw = raw;
    this.listeners.commit(prepared, next.listenerSpecs, this.#factory(this));
    next.activate((address) => this.listeners.fdOf(address));
    for (const server of this.listeners.servers()) {
      server.headersTimeout = next.http.headerReadTimeoutMs;
      server.keepAliveTimeout = next.http.idleTimeoutMs;
      server.timeout = next.http.sendTimeoutMs;
    }
    previous?.retire(next);
  }

  status(): RouterStatus {
    const applications: RouterStatus['applications'] = {};
    for (const [name, app] of this.#current?.applications ?? []) applications[name] = app.status();
    return { connections: this.counters.connections(), requests: { total: this.counters.requests }, applications };
  }
}
