// Streams awaiting an answer (the seed's nxt_port_rpc): register a stream
// with ready/error handlers and an optional time-out; cancel it; the answer
// (RPC_READY / RPC_ERROR on that stream) or the peer's death settles it.
import { ErrorCodes, WeftError } from '../../errors.js';
import type { Message } from './message.js';

export interface RpcHandlers {
  ready(message: Message): void;
  error(message: Message | undefined, reason: WeftError): void;
}

interface Pending {
  peer: number;
  handlers: RpcHandlers;
  timer: NodeJS.Timeout | undefined;
}

export class RpcStreams {
  #pending = new Map<number, Pending>();
  #next = 1;

  /** A fresh stream id waiting for an answer from `peer`. */
  register(peer: number, handlers: RpcHandlers, timeoutMs?: number): number {
    const stream = this.#allocate();
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        this.#settle(stream)?.handlers.error(
          undefined,
          new WeftError(ErrorCodes.RPC_TIMEOUT, `no answer from pid ${peer} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      timer.unref();
    }
    this.#pending.set(stream, { peer, handlers, timer });
    return stream;
  }

  cancel(stream: number): void {
    this.#settle(stream)?.handlers.error(undefined, new WeftError(ErrorCodes.RPC_CANCELLED, `stream ${stream} cancelled`));
  }

  /**
   * Routes an answer; false when no stream waits for it from its sender
   * (stream ids are easy to guess: an answer counts only from the peer that
   * was asked, or a process running user code could answer another's calls).
   */
  dispatch(message: Message, isError: boolean): boolean {
    if (this.#pending.get(message.stream)?.peer !== message.from.pid) return false;
    const pending = this.#settle(message.stream);
    if (!pending) return false;
    if (isError) {
      pending.handlers.error(message, new WeftError(ErrorCodes.RPC_REMOTE, 'the remote side answered with an error'));
    } else {
      pending.handlers.ready(message);
    }
    return true;
  }

  /** The peer is gone: everything waiting on it fails. */
  failPeer(peer: number, why: string): void {
    for (const [stream, p] of this.#pending) {
      if (p.peer === peer) {
        this.#settle(stream)?.handlers.error(undefined, new WeftError(ErrorCodes.PORT, why));
      }
    }
  }

  get size(): number {
    return this.#pending.size;
  }

  #settle(stream: number): Pending | undefined {
    const p = this.#pending.get(stream);
    if (!p) return undefined;
    this.#pending.delete(stream);
    if (p.timer) clearTimeout(p.timer);
    return p;
  }

  #allocate(): number {
    do {
      this.#next = (this.#next + 1) >>> 0 || 1;
    } while (this.#pending.has(this.#next));
    return this.#next;
  }
}
