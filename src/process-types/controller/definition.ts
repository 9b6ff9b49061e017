// controller: serves the control API on the socket main made for it.
import type { ProcessTypeDefinition } from '../../kernel/process-types/process-type.js';

export const controllerProcess: ProcessTypeDefinition = {
  id: 'process.controller',
  type: 'controller',
  cls: 'controller',
  peers: ['router'],
  handshake: 'ready',
  restart: true,
  privileged: false,
  name: () => 'controller',
  load: async () => (await import('./controller-module.js')).controllerModule,
};
