// The channel to one peer: frames messages onto a native Channel and
// reassembles them on the way in.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

import { ErrorCodes, WeftError } from '../../errors.js';
import { Channel } from '../../native/index.js';
import type { ProcessInfo } from '../processes/process-table.js';
import { decodeHeader, encodeFrames, FLAG_FIRST, FLAG_LAST, HEADER_SIZE } from './frame.js';
import type { Message } from './message.js';
import type { MessageTypeId } from './message-type.js';

interface Reassembly {
  chunks: Buffer[];
  fds: number[];
  received: number;
}

export interface PeerLinkEvents {
  message: [Message];
  close: [];
  /** The peer sent something malformed, or fds were dropped. */
  problem: [string];
}

export class PeerLink extends EventEmitter<PeerLinkEvents> {
  readonly peer: ProcessInfo;
  #channel: Channel;
  #partial = new Map<number, Reassembly>();
  #closed = false;

  constructor(peer: ProcessInfo, fd: number) {
    super();
    this.peer = peer;
    this.#channel = new Channel(fd);
    this.#channel.on('message', (data, fds, truncated) => this.#onFrame(data, fds, truncated));
    this.#channel.on('close', () => {
      this.#closed = true;
      for (const p of this.#partial.values()) p.fds.forEach((fd) => fs.closeSync(fd));
      this.#partial.clear();
      this.emit('close');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False when the peer is gone or slow (the message is queued all the same). */
  send(type: MessageTypeId, stream: number, replyPort: number, payload: Buffer, fds: number[] = []): boolean {
    if (this.#closed) return false;
    if (fds.length > Channel.maxFds) {
      throw new WeftError(ErrorCodes.PORT, `a message carries at most ${Channel.maxFds} fds`);
    }
    const frames = encodeFrames(type, stream, replyPort, payload, Channel.maxFrame);
    let ok = true;
    frames.forEach((frame, i) => {
      ok = this.#channel.send(frame, i === 0 ? fds : undefined) && ok;
    });
    return ok;
  }

  close(): void {
    this.#channel.close();
  }

  unref(): void {
    this.#channel.unref();
  }

  ref(): void {
    this.#channel.ref();
  }

  #onFrame(data: Buffer, fds: number[], truncated: boolean): void {
    if (truncated) {
      this.emit('problem', `fds sent by ${this.peer.name} (pid ${this.peer.pid}) were dropped: this process is at its fd limit`);
    }
    const header = decodeHeader(data);
    if (!header) {
      fds.forEach((fd) => fs.closeSync(fd));
      this.emit('problem', `a malformed frame from ${this.peer.name} (pid ${this.peer.pid})`);
      return;
    }
    const body = data.subarray(HEADER_SIZE);
    const key = header.stream * 256 + header.type;
    if (header.flags & FLAG_FIRST && header.flags & FLAG_LAST) {
      this.emit('message', this.#message(header.type, header.stream, header.replyPort, Buffer.from(body), fds));
      return;
    }
    let partial = this.#partial.get(key);
    if (header.flags & FLAG_FIRST) {
      partial = { chunks: [], fds: [], received: 0 };
      this.#partial.set(key, partial);
    }
    if (!partial) {
      fds.forEach((fd) => fs.closeSync(fd));
      this.emit('problem', `a stray fragment of stream ${header.stream} from ${this.peer.name}`);
      return;
    }
    partial.chunks.push(Buffer.from(body));
    partial.fds.push(...fds);
    partial.received += body.length;
    if (header.flags & FLAG_LAST) {
      this.#partial.delete(key);
      const payload = Buffer.concat(partial.chunks, partial.received);
      this.emit('message', this.#message(header.type, header.stream, header.replyPort, payload, partial.fds));
    }
  }

  #message(type: number, stream: number, replyPort: number, payload: Buffer, fds: number[]): Message {
    return { type, stream, replyPort, payload, fds, from: this.peer };
  }
}
