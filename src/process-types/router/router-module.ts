// The router's process module: its services and hooks, registered in the
// router process's own container.
import { instanceCachingFactory } from 'tsyringe';

import type { ProcessModule } from '../../kernel/process-types/process-type.js';
import { LOGGER, PORT, PROCESS_HOOKS, resolve, RUNTIME } from '../../kernel/tokens.js';
import { serverFactory } from './http/server-factory.js';
import { RouterHooks } from './router-hooks.js';
import { RouterState } from './router-state.js';
import { ROUTER_STATE, SERVER_FACTORY } from './router-tokens.js';

export const routerModule: ProcessModule = {
  register(c) {
    c.register(SERVER_FACTORY, { useValue: serverFactory });
    c.register(ROUTER_STATE, {
      useFactory: instanceCachingFactory((d) => {
        const runtime = resolve(d, RUNTIME);
        return new RouterState({
          port: resolve(d, PORT),
          mainPid: runtime.mainPid,
          log: resolve(d, LOGGER),
          version: runtime.options.version,
          startDir: runtime.options.startDir ?? '/',
          factory: resolve(d, SERVER_FACTORY),
        });
      }),
    });
    c.register(PROCESS_HOOKS, { useFactory: instanceCachingFactory((d) => d.resolve(RouterHooks)) });
  },
};
