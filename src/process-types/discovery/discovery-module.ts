// discovery's process module: its hooks, and the plugin finder they use (a
// token, so a test can hand it a fixed list).
import type { ProcessModule } from '../../kernel/process-types/process-type.js';
import { PROCESS_HOOKS } from '../../kernel/tokens.js';
import { DiscoveryHooks } from './discovery-hooks.js';
import { PLUGIN_FINDER } from './discovery-tokens.js';
import { findPlugins } from './find-plugins.js';

export const discoveryModule: ProcessModule = {
  register(c) {
    c.register(PLUGIN_FINDER, { useValue: findPlugins });
    c.register(PROCESS_HOOKS, { useClass: DiscoveryHooks });
  },
};
