// The router process: receives configurations from the controller and
// serves all client traffic.
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import { checkNodeInternals } from '../../node-internals/check.js';
import { serverFactory } from './http/server-factory.js';
import './protocol.js';
import '../application/protocol.js';
import { RouterState } from './router-state.js';

let state: RouterState | undefined;

export const routerHooks: ProcessHooks = {
  setup(ctx) {
    // The router needs no Node internal to load or serve; those it uses on
    // the request path have public fallbacks, reported here once.
    checkNodeInternals('router', (message, code) => ctx.log.warn(message, { code }));
    const router = new RouterState({
      port: ctx.port,
      mainPid: ctx.runtime.mainPid,
      log: ctx.log,
      version: ctx.runtime.options.version,
      startDir: ctx.runtime.options.startDir ?? '/',
      factory: serverFactory,
    });
    state = router;
    ctx.port.handle('router.configure', async ({ config }) => {
      await router.configure(config);
      return {};
    });
    ctx.port.handle('router.status', () => router.status());
    ctx.port.handle('router.metrics', () => ({ snapshot: router.metrics.registry.snapshot() }));
    ctx.port.handle('router.drain', async ({ graceMs }) => {
      await router.drain(graceMs);
      return {};
    });
    ctx.port.onNotify('router.relay', ({ address, remote }, { fds }) => {
      if (fds[0] !== undefined) router.acceptRelay(address, remote, fds[0]);
    });
    ctx.port.onNotify('router.reopen-logs', () => {
      router.current?.reopenAccessLog().catch((e: Error) => ctx.log.alert(`cannot reopen the access log: ${e.message}`));
    });
  },
  stop() {
    state?.listeners.closeAll();
  },
};
