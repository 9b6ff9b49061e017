// discovery: find the application plugins, log one line per module as
// Unit does, hand the list to main, and exit.
import { inject, injectable } from 'tsyringe';

import { quit } from '../../kernel/boot/bootstrap.js';
import type { ProcessContext, ProcessHooks } from '../../kernel/process-types/process-type.js';
import { builtinPluginsDir } from '../../paths.js';
import { PLUGIN_FINDER } from './discovery-tokens.js';
import type { findPlugins } from './find-plugins.js';

@injectable()
export class DiscoveryHooks implements ProcessHooks {
  constructor(@inject(PLUGIN_FINDER) private readonly find: typeof findPlugins) {}

  async start(ctx: ProcessContext): Promise<void> {
    const dirs = [builtinPluginsDir];
    if (ctx.runtime.options.modulesDir) dirs.push(ctx.runtime.options.modulesDir);
    const { modules, failures } = this.find(dirs);
    for (const f of failures) ctx.log.error(`module "${f.file}" cannot be loaded: ${f.reason}`);
    for (const m of modules) ctx.log.info(`module: ${m.type} ${m.version} "${m.lib ?? m.file}"`);
    await ctx.port.call(ctx.runtime.mainPid, 'main.modules', { modules });
    // Its work is done once main has the list.
    setImmediate(() => void quit(ctx, 'discovery done'));
  }
}
