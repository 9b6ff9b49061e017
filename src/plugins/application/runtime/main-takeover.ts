// For an application process started as
//   node [node options] --require <weft runtime entry> <script> [args]
// node runs <script> itself once the preloads are done, by calling
// Module.runMain(). Node keeps that call replaceable from --require preloads
// (for tools such as ts-node and nyc; see lib/internal/main/run_main_module.js),
// so the runtime can take the run over: node then runs nothing, and the host
// loads the script itself (AppHost.loadApp) once its own setup is done and
// with its errors reported instead of printed by a dying process.
import Module from 'node:module';

import type { AppSpec } from './app-loader.js';

/**
 * Resolves with what node was about to run as the main module. Call it from
 * the preload, before it returns; node's runMain is put back as soon as it
 * has been taken over once.
 */
export function takeOverMain(): Promise<AppSpec> {
  return new Promise((resolve) => {
    const runMain = Module.runMain;
    Module.runMain = function takeOver(main?: string): void {
      Module.runMain = runMain;
      resolve({ script: main ?? process.argv[1], args: process.argv.slice(2) });
    };
  });
}
