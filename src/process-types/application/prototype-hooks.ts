// Inside the prototype: run the plugin's check once, then start
// application processes on main's request. Each gets a channel whose other
// end goes back to main with the answer (main connects it to the routers).
// Their exits are reported to main, which decides what replaces them.
// A check-only prototype (an app main starts itself, whose start failed)
// runs the check and nothing else.
import fs from 'node:fs';

import { withFds } from '../../kernel/ports/methods.js';
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import { createProcess, reapStrays, socketPair } from '../../native/index.js';
import type { ChildProcessHandle } from '../../native/index.js';
import type { PrototypeOptions } from '../../protocol/application.js';
import type { AppPlugin, PluginContext } from '../../protocol/plugin-api.js';
import { APP_ENV, APP_RUNTIME_ENTRY } from '../../protocol/application.js';
import type { AppBoot } from '../../protocol/application.js';

const STOP_GRACE_MS = 5000;

const children = new Map<number, ChildProcessHandle>();

export const prototypeHooks: ProcessHooks = {
  async setup(ctx) {
    const o = ctx.runtime.processOptions as PrototypeOptions;
    ctx.log.extendContext({ app: o.app });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plugin = require(o.module) as AppPlugin;
    // Inherited environment, then the app's "environment" over it (Unit's rule).
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, (o.config.environment ?? {}) as Record<string, string>);
    const pctx: PluginContext = { runtimeEntry: APP_RUNTIME_ENTRY, nodePath: process.execPath, env, module: o.moduleInfo };
    await plugin.prototypeSetup?.(o.config, pctx);
    if (o.checkOnly) return;
    const devNull = fs.openSync('/dev/null', 'r+');
    const stdout = o.hasOutputFds ? 4 : o.stdoutToLog ? 2 : devNull;
    const stderr = o.hasOutputFds ? 5 : 2;

    const mainPid = ctx.runtime.mainPid;
    ctx.port.handle('prototype.spawn', async ({ startTimeoutMs }) => {
      const spec = plugin.launch(o.config, pctx);
      const [mainEnd, appEnd] = socketPair();
      const boot: AppBoot = {
        name: o.app,
        titlePrefix: ctx.runtime.options.titlePrefix,
        channelFd: 3,
        mainPid,
        version: ctx.runtime.options.version,
        logLevel: ctx.runtime.options.logLevel,
        logFormat: ctx.runtime.options.logFormat,
        startTimeoutMs,
      };
      let child: ChildProcessHandle;
      try {
        child = await createProcess({
          file: spec.file,
          args: spec.args,
          env: { ...spec.env, [APP_ENV]: JSON.stringify(boot) },
          cwd: o.config.working_directory ?? '/',
          fds: [devNull, stdout, stderr, appEnd],
          dieWithParent: 'SIGKILL',
          noNewPrivs: o.config.isolation?.new_privs !== true,
        });
      } catch (e) {
        fs.closeSync(mainEnd);
        throw e;
      } finally {
        fs.closeSync(appEnd);
      }
      children.set(child.pid, child);
      void child.exited.then((status) => {
        children.delete(child.pid);
        ctx.port.notify(mainPid, 'main.app-exited', { pid: child.pid, code: status.code, signal: status.signal });
      });
      setImmediate(() => fs.closeSync(mainEnd));
      return withFds({ pid: child.pid }, [mainEnd]);
    });

    ctx.port.handle('prototype.kill', ({ pid, signal }) => ({ sent: children.get(pid)?.kill(signal) ?? false }));
    // pid 1 of the app's pid namespace: its orphans are ours to reap.
    if (process.pid === 1) {
      const reap = (): void => {
        if (reapStrays(children.keys()).pending) setTimeout(reap, 100).unref();
      };
      ctx.engine.onSignal('SIGCHLD', reap);
    }
  },

  async stop() {
    const all = [...children.values()];
    for (const c of all) c.kill('SIGTERM');
    const timer = setTimeout(() => all.forEach((c) => c.kill('SIGKILL')), STOP_GRACE_MS);
    await Promise.all(all.map((c) => c.exited));
    clearTimeout(timer);
  },
};
