// The router's configuration in force and how a new one replaces it: all
// or nothing. Every new socket is obtained first, then the switch happens
// at once; requests already running finish under the configuration they
// started with, because each took its own reference to it.
import { isDeepStrictEqual } from 'node:util';

import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import { compileConfiguration } from './configuration.js';
import type { Configuration } from './configuration.js';
import { ListenerSet } from './listeners/listener-set.js';
import type { ServerFactory } from './listeners/listener-set.js';
import { Counters } from './status/counters.js';

export class RouterState {
  readonly counters = new Counters();
  readonly listeners: ListenerSet;
  #current: Configuration | null = null;
  #raw: unknown = undefined;
  #log: Logger;
  #factory: (state: RouterState) => ServerFactory;

  constructor(port: Port, mainPid: number, log: Logger, factory: (state: RouterState) => ServerFactory) {
    this.listeners = new ListenerSet(port, mainPid);
    this.#log = log;
    this.#factory = factory;
  }

  get current(): Configuration | null {
    return this.#current;
  }

  async configure(raw: unknown): Promise<void> {
    if (this.#current && isDeepStrictEqual(raw, this.#raw)) return;
    const next = compileConfiguration(raw);
    const prepared = await this.listeners.prepare(next.listenerSpecs);
    try {
      await next.prepare();
    } catch (e) {
      this.listeners.rollback(prepared);
      throw e;
    }
    const previous = this.#current;
    this.#current = next;
    this.#raw = raw;
    this.listeners.commit(prepared, next.listenerSpecs, this.#factory(this));
    previous?.retire();
    this.#log.info(`the router applied a configuration with ${next.listenerSpecs.size} listener(s)`);
  }
}
