// The router process: receives configurations from the controller and
// serves all client traffic. Its hooks get the router state and the port
// by injection (router-module.ts registers them).
import fs from 'node:fs';

import { inject, injectable } from 'tsyringe';

import type { Logger } from '../../kernel/log/logger.js';
import type { Port } from '../../kernel/ports/port.js';
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import { LOGGER, PORT } from '../../kernel/tokens.js';
import { checkNodeInternals } from '../../node-internals/check.js';
import { protectFromSameUser } from '../../native/index.js';
import '../../protocol/router.js';
import '../../protocol/application.js';
import type { RouterState } from './router-state.js';
import { ROUTER_STATE } from './router-tokens.js';

@injectable()
export class RouterHooks implements ProcessHooks {
  constructor(
    @inject(PORT) private readonly port: Port,
    @inject(LOGGER) private readonly log: Logger,
    @inject(ROUTER_STATE) private readonly router: RouterState,
  ) {}

  setup(): void {
    const { port, log, router } = this;
    // Applications may run as the router's user: they must not be able to ptrace it (it may ask main for sockets and files).
    protectFromSameUser();
    // The router needs no Node internal to load or serve; those it uses on
    // the request path have public fallbacks, reported here once.
    checkNodeInternals('router', (message, code) => log.warn(message, { code }));
    port.handle('router.prepare', ({ config, serving, force }) => router.prepare(config, serving, force));
    port.handle('router.commit', async () => {
      await router.commit();
      return {};
    });
    port.onNotify('router.abandon', () => router.abandon());
    port.handle('router.status', () => router.status());
    port.handle('router.metrics', () => ({ snapshot: router.metrics.registry.snapshot() }));
    port.handle('router.drain', async ({ graceMs }) => {
      await router.drain(graceMs);
      return {};
    });
    port.onNotify('router.relay', ({ address }, { fds }) => {
      if (fds.length === 2) router.acceptRelay(address, fds[0], fds[1]);
      else for (const fd of fds) fs.closeSync(fd);
    });
    port.onNotify('router.take-back', ({ address, head }, { fds }) => {
      if (fds[0] !== undefined) router.acceptHandedBack(address, Buffer.from(head, 'base64'), fds[0]);
    });
    port.onNotify('router.reopen-logs', () => {
      router.current?.reopenAccessLog().catch((e: Error) => log.alert(`cannot reopen the access log: ${e.message}`));
    });
  }

  stop(): void {
    this.router.listeners.closeAll();
  }
}
