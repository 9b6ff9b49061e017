// discovery: started first, finds the application plugins, reports them to
// main, exits. It runs unprivileged, so a plugin is loaded as root only if
// main later needs its launch() and trusts it like Weft's own code
// (main/applications/plugin-loader.ts).
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
