import { builtinPluginsDir } from '../../paths.js';
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import { quit } from '../../kernel/boot/bootstrap.js';
import { findPlugins } from './find-plugins.js';

export const discoveryHooks: ProcessHooks = {
  async start(ctx) {
    const dirs = [builtinPluginsDir];
    if (ctx.runtime.options.modulesDir) dirs.push(ctx.runtime.options.modulesDir);
    const { modules, failures } = findPlugins(dirs);
    for (const f of failures) ctx.log.error(`module "${f.file}" cannot be loaded: ${f.reason}`);
    for (const m of modules) ctx.log.info(`module: ${m.type} ${m.version} "${m.lib ?? m.file}"`);
    await ctx.port.call(ctx.runtime.mainPid, 'main.modules', { modules });
    // Its work is done once main has the list.
    setImmediate(() => void quit(ctx, 'discovery done'));
  },
};
