// What discovery's module registers beyond the kernel's services.
import { token } from '../../kernel/tokens.js';
import type { findPlugins } from './find-plugins.js';

/** Finds the application plugins in a list of directories. */
export const PLUGIN_FINDER = token<typeof findPlugins>('discovery.plugin-finder');
