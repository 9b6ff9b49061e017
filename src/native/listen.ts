// Listening sockets made natively, so main can bind (privileged ports, unix
// socket modes) and hand the fd to the router.
import { ErrorCodes, fromNative, isNativeError, ListenError } from '../errors.js';
import { native } from './load.js';
import type { NativeListenOptions, NativeSocketNames } from './native.js';

export type ListenOptions = NativeListenOptions;

export interface ListenResult {
  fd: number;
  /** The bound port (the kernel's choice when 0 was asked). */
  port: number;
}

export function listenSocket(options: ListenOptions): ListenResult {
  try {
    return native.listenSocket(options);
  } catch (e) {
    if (isNativeError(e)) {
      const address =
        options.type === 'unix'
          ? `unix:${options.abstract ? '@' : ''}${options.path}`
          : `${options.ipv6 ? `[${options.host}]` : options.host}:${options.port ?? 0}`;
      throw new ListenError(
        `cannot listen on ${address}: ${e.syscall}(2) failed: ${e.errnoName}`,
        { address, syscall: e.syscall!, errno: e.errno ?? 0, errnoName: e.errnoName ?? 'UNKNOWN' },
        { cause: e },
      );
    }
    throw e;
  }
}

export type SocketNames = NativeSocketNames;

/** What the kernel says `fd` is bound and connected to (getsockname, getpeername). */
export function socketNames(fd: number): SocketNames {
  try {
    return native.socketNames(fd);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}
