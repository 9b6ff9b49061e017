// discovery: loads every application plugin (built-in, and --modulesdir's),
// unprivileged, and reports the modules they serve to main, one log line
// each as Unit does; then exits. What plugins found by running something (a
// Python interpreter asked for its version) comes back from main's state
// dir at the next start (DiscoveryContext).
import { inject, injectable } from 'tsyringe';

import { quit } from '../../kernel/boot/bootstrap.js';
import type { ProcessContext, ProcessHooks } from '../../kernel/process-types/process-type.js';
import { builtinPluginsDir } from '../../paths.js';
import type { DiscoveryOptions } from '../../protocol/discovery.js';
import { PLUGIN_FINDER } from './discovery-tokens.js';
import { discoveryContext } from './find-plugins.js';
import type { findPlugins } from './find-plugins.js';

@injectable()
export class DiscoveryHooks implements ProcessHooks {
  constructor(@inject(PLUGIN_FINDER) private readonly find: typeof findPlugins) {}

  async start(ctx: ProcessContext): Promise<void> {
    const dirs = [builtinPluginsDir];
    if (ctx.runtime.options.modulesDir) dirs.push(ctx.runtime.options.modulesDir);
    const found = discoveryContext((ctx.runtime.processOptions as DiscoveryOptions | undefined)?.cache);
    const { modules, failures } = this.find(dirs, found);
    for (const f of failures) ctx.log.error(`module "${f.file}" cannot be loaded: ${f.reason}`);
    for (const m of modules) ctx.log.info(`module: ${m.type} ${m.version} "${m.lib ?? m.file}"`);
    await ctx.port.call(ctx.runtime.mainPid, 'main.modules', { modules, cache: found.used });
    // Its work is done once main has the list.
    setImmediate(() => void quit(ctx, 'discovery done'));
  }
}
