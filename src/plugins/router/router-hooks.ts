// The router process: receives configurations from the controller and
// serves all client traffic.
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import { serverFactory } from './http/server-factory.js';
import './protocol.js';
import { RouterState } from './router-state.js';

let state: RouterState | undefined;

export const routerHooks: ProcessHooks = {
  setup(ctx) {
    const router = new RouterState(ctx.port, ctx.runtime.mainPid, ctx.log, serverFactory);
    state = router;
    ctx.port.handle('router.configure', async ({ config }) => {
      await router.configure(config);
      return {};
    });
    ctx.port.handle('router.status', () => ({
      connections: router.counters.connections(),
      requests: { total: router.counters.requests },
      applications: {},
    }));
    ctx.port.handle('router.app-restart', ({ name }) => {
      throw new Error(`application "${name}" has no processes to restart`);
    });
  },
  stop() {
    state?.listeners.closeAll();
  },
};
