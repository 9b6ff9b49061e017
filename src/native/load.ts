// Finds the built addon. Tries each known build path and, when none loads,
// says which were tried and why, so a broken install is obvious.
import { createRequire } from 'node:module';
import path from 'node:path';

import { ErrorCodes, WeftError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { NativeModule } from './native.js';

const requireNative = createRequire(__filename);

function load(): NativeModule {
  const candidates = [path.join(packageRoot, 'build', 'Release', 'weft.node'), path.join(packageRoot, 'build', 'Debug', 'weft.node')];
  const failures: string[] = [];
  for (const candidate of candidates) {
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
