// Finds the built addon. Tries each known build path and, when none loads,
// says which were tried and why, so a broken install is obvious.
import { createRequire } from 'node:module';

import { ErrorCodes, WeftError } from '../errors.js';
import { ADDON_FILES } from './addon-file.js';
import type { NativeModule } from './native.js';

const requireNative = createRequire(__filename);

function load(): NativeModule {
  const failures: string[] = [];
  for (const candidate of ADDON_FILES) {
    try {
      return requireNative(candidate) as NativeModule;
    } catch (e) {
      failures.push(`  ${candidate}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new WeftError(
    ErrorCodes.NATIVE_LOAD,
    `cannot load the weft native addon (run "npm install" to build it); tried:\n${failures.join('\n')}`,
  );
}

export const native: NativeModule = load();
