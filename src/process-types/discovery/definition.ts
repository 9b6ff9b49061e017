// discovery: started first, finds the application plugins, reports them to
// main, exits. It runs unprivileged, so third-party plugin code is never
// loaded as root.
import type { ProcessTypeDefinition } from '../../kernel/process-types/process-type.js';

export const discoveryProcess: ProcessTypeDefinition = {
  id: 'process.discovery',
  type: 'discovery',
  cls: 'discovery',
  peers: [],
  handshake: 'ready',
  restart: false,
  privileged: false,
  name: () => 'discovery',
  load: async () => (await import('./discovery-module.js')).discoveryModule,
};
