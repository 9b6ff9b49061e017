// fd plumbing the Node API lacks.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';

/** Makes `to` a copy of `from` (e.g. a log file onto fd 2). */
export function dup2(from: number, to: number): void {
  try {
    native.dup2(from, to);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}

/** A new close-on-exec fd for the same open file (so two owners can close theirs). */
export function dup(fd: number): number {
  try {
    return native.dup(fd);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}

export function setCloexec(fd: number, on: boolean): void {
  try {
    native.setCloexec(fd, on);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}
