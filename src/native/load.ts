// Finds the built addon. Tries each known build path and, when none loads,
// says which were tried and why, so a broken install is obvious.
import { ErrorCodes, WeftError } from '../errors.js';
import { loadAddon, notLoaded } from './addon-file.js';
import type { NativeModule } from './native.js';

function load(): NativeModule {
  const found = loadAddon();
  if ('addon' in found) return found.addon as NativeModule;
  throw new WeftError(ErrorCodes.NATIVE_LOAD, notLoaded(found.failures));
}

export const native: NativeModule = load();
