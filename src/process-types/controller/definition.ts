// controller: serves the control API on the socket main made for it.
import type { ProcessTypeDefinition } from '../../kernel/process-types/process-type.js';

declare module '../../kernel/ports/methods.js' {
  interface PortMethods {
    /** The control socket main bound; the fd comes with the answer. */
    'main.control-socket': { params: Record<string, never>; result: { address: string } };
  }
}

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
