// router: all client traffic (listeners, routes, static files, proxy,
// applications).
import type { ProcessTypeDefinition } from '../../kernel/process-types/process-type.js';

export const routerProcess: ProcessTypeDefinition = {
  id: 'process.router',
  type: 'router',
  cls: 'router',
  peers: ['controller', 'app'],
  handshake: 'ready',
  restart: true,
  privileged: false,
  name: () => 'router',
  load: async () => (await import('./router-module.js')).routerModule,
};
