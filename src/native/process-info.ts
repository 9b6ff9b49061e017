import { native } from './load.js';

/** The kernel's id of the calling thread (the main thread's equals the pid). */
export function gettid(): number {
  return native.gettid();
}

/**
 * Gives the C heap's free memory back to the kernel (glibc keeps what a
 * finished thread's arena held, say); false when nothing was released, or
 * the addon predates this call.
 */
export function trimMemory(): boolean {
  return native.trimMemory?.() ?? false;
}

/**
 * Keeps processes of the same user (an application running as the router's
 * user) from ptracing this one or reading its memory and fds through /proc.
 * False when the addon predates this call.
 */
export function protectFromSameUser(): boolean {
  if (!native.setDumpable) return false;
  native.setDumpable(false);
  return true;
}
