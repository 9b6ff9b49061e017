import { native } from './load.js';

/** The kernel's id of the calling thread (the main thread's equals the pid). */
export function gettid(): number {
  return native.gettid();
}
