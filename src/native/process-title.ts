// What `ps` shows for a Weft process.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';

/** Sets the command line `ps ax -o command` shows and the comm name (15 bytes). */
export function setProcessTitle(title: string): void {
  try {
    native.setProcessTitle(title);
  } catch (e) {
    throw fromNative(ErrorCodes.TITLE, e);
  }
}
