// A port channel between two processes (native/channel.cc): framed messages
// with fds attached, never blocking the loop. The kernel's ports build their
// message header, fragmentation and RPC on top of this.
import { EventEmitter } from 'node:events';

import { errnoName, ErrorCodes, fromNative, SyscallError } from '../errors.js';
import { native } from './load.js';
import type { NativeChannel } from './native.js';

export interface ChannelEvents {
  /** A frame. `truncated` means the kernel dropped some of its fds (fd limit). */
  message: [data: Buffer, fds: number[], truncated: boolean];
  /** The channel closed: by close(), by the peer (error undefined), or on an error. */
  close: [error: SyscallError | undefined];
  /** The send queue fell below the high-water mark after send returned false. */
  drain: [];
}

export class Channel extends EventEmitter<ChannelEvents> {
  /** Largest frame send() takes. */
  static readonly maxFrame: number = native.Channel.maxFrame;
  /** Most fds one frame carries. */
  static readonly maxFds: number = native.Channel.maxFds;

  #native: NativeChannel;
  #closed = false;

  /** Takes ownership of `fd` (one end of a socketpair from `socketPair()`). */
  constructor(fd: number) {
    super();
    this.#native = new native.Channel(
      fd,
      (data, fds, truncated) => this.emit('message', data, fds, truncated),
      (errno) => {
        this.#closed = true;
        const error =
          errno === 0
            ? undefined
            : new SyscallError(ErrorCodes.CHANNEL, `recvmsg(2) failed: ${errnoName(errno)}`, {
                syscall: 'recvmsg',
                errno,
                errnoName: errnoName(errno),
              });
        this.emit('close', error);
      },
      () => this.emit('drain'),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes waiting for the peer to read. */
  get queued(): number {
    return this.#native.queued;
  }

  /**
   * Sends one frame (1 to maxFrame bytes) with fds attached. The fds are
   * duplicated into the peer; the caller still owns (and may close) its own.
   * Returns false when the queue is over its high-water mark (wait for
   * "drain") or the channel is closed.
   */
  send(data: Uint8Array, fds?: number[]): boolean {
    try {
      return this.#native.send(data, fds);
    } catch (e) {
      throw fromNative(ErrorCodes.CHANNEL, e);
    }
  }

  close(): void {
    if (!this.#closed) this.#native.close();
  }

  ref(): this {
    this.#native.ref();
    return this;
  }

  unref(): this {
    this.#native.unref();
    return this;
  }
}

/** A connected pair of close-on-exec SOCK_SEQPACKET (or stream) sockets. */
export function socketPair(type: 'seqpacket' | 'stream' = 'seqpacket'): [number, number] {
  try {
    return native.socketpair(type);
  } catch (e) {
    throw fromNative(ErrorCodes.CHANNEL, e);
  }
}
