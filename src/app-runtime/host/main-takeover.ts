// For an application process started as
//   node [node options] --require <weft runtime entry> <script> [args]
// node runs <script> itself once the preloads are done, by calling
// Module.runMain(). Node keeps that call replaceable from --require preloads
// (for tools such as ts-node and nyc; see lib/internal/main/run_main_module.js),
// so the runtime can take the run over: node then runs nothing, and the host
// loads the script itself (AppHost.loadApp) once its own setup is done and
// with its errors reported instead of printed by a dying process.
// This is a Node internal (node-internals/module-loader.ts, module-run-main).
import Module from 'node:module';

import { moduleRunMain } from '../../node-internals/module-loader.js';
import { usable } from '../../node-internals/node-internal.js';
import type { AppSpec } from './app-loader.js';

/**
 * Resolves with what node was about to run as the main module. Call it from
 * the preload, before it returns; node's runMain is put back as soon as it
 * has been taken over once. When this Node does not call the replaced
 * runMain (node ran the main script itself: it does so synchronously after
 * the preloads, so before any setImmediate), `missed` is called once and the
 * promise never resolves.
 */
export function takeOverMain(missed: (why: string) => void = () => undefined): Promise<AppSpec> {
  return new Promise((resolve) => {
    if (!usable(moduleRunMain)) {
      // Already reported by the start-up check: node runs the script.
      return;
    }
    const runMain = Module.runMain;
    let taken = false;
    Module.runMain = function takeOver(main?: string): void {
      taken = true;
      Module.runMain = runMain;
      resolve({ script: main ?? process.argv[1], args: process.argv.slice(2) });
    };
    setImmediate(() => {
      if (taken) return;
      Module.runMain = runMain;
      missed(`Node ${process.version} did not call Module.runMain after the preloads (module-run-main): node ran the app itself`);
    });
  });
}
