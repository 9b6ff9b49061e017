// Memory shared between processes (a memfd mapped by each): see
// native/shared-memory.h.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';

/** A new zeroed shared region: its fd (close-on-exec; pass it to share) and this process's mapping. */
export function sharedMemory(size: number, name: string): { fd: number; buffer: ArrayBuffer } {
  try {
    return native.sharedMemory(size, name);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}

/** Maps a region another process shared (the fd stays the caller's to close). */
export function mapShared(fd: number, size: number): ArrayBuffer {
  try {
    return native.mapShared(fd, size);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}
