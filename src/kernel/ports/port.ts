// A process's port: its channels to peers, handlers by message type, and
// typed method calls (call/handle, notify/onNotify) on top of RPC streams.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

import { ErrorCodes, WeftError } from '../../errors.js';
import type { Logger } from '../log/logger.js';
import type { ProcessInfo } from '../processes/process-table.js';
import { decodeJson, encodeJson } from './message.js';
import type { Message } from './message.js';
import { MessageType, messageTypeName } from './message-type.js';
import type { MessageTypeId } from './message-type.js';
import { WithFds } from './methods.js';
import type { CallContext, MethodName, ParamsOf, RemoteErrorShape, ResultOf } from './methods.js';
import { PeerLink } from './peer-link.js';
import { RpcStreams } from './rpc.js';

export interface CallOptions {
  fds?: number[];
  timeoutMs?: number;
}

export interface CallResult<T> {
  value: T;
  fds: number[];
}

/** A failed remote call: the remote's code, message and detail. */
export class RemoteError extends WeftError {
  override name = 'RemoteError';
  readonly remoteCode: string | undefined;
  readonly detail: unknown;
  readonly method: string;

  constructor(method: string, shape: RemoteErrorShape) {
    super(ErrorCodes.RPC_REMOTE, shape.message);
    this.remoteCode = shape.code;
    this.detail = shape.detail;
    this.method = method;
  }
}

type MethodHandler = (params: unknown, ctx: CallContext) => unknown;

export interface PortEvents {
  'peer-linked': [ProcessInfo];
  'peer-closed': [ProcessInfo];
}

export class Port extends EventEmitter<PortEvents> {
  /** This process's pid as others know it (the real one). */
  pid: number;
  readonly log: Logger;
  #links = new Map<number, PeerLink>();
  #typeHandlers = new Map<number, (message: Message) => void>();
  #methods = new Map<string, MethodHandler>();
  #notifications = new Map<string, MethodHandler>();
  #rpc = new RpcStreams();
  #callers: Readonly<Record<string, readonly string[]>> = {};
  #kernelFrom: number | undefined;

  constructor(pid: number, log: Logger) {
    super();
    this.pid = pid;
    this.log = log;
  }

  /** Takes a channel fd to `peer` into use. */
  link(peer: ProcessInfo, fd: number): PeerLink {
    this.#links.get(peer.pid)?.close();
    const link = new PeerLink(peer, fd);
    this.#links.set(peer.pid, link);
    link.on('message', (m) => this.#dispatch(m));
    link.on('problem', (why) => this.log.alert(why));
    link.on('close', () => {
      if (this.#links.get(peer.pid) === link) this.#links.delete(peer.pid);
      this.#rpc.failPeer(peer.pid, `${peer.name} (pid ${peer.pid}) closed its channel`);
      this.emit('peer-closed', peer);
    });
    this.emit('peer-linked', peer);
    return link;
  }

  unlink(pid: number): void {
    this.#links.get(pid)?.close();
  }

  has(pid: number): boolean {
    return this.#links.has(pid);
  }

  peers(): ProcessInfo[] {
    return [...this.#links.values()].map((l) => l.peer);
  }

  peersOfType(type: string): ProcessInfo[] {
    return this.peers().filter((p) => p.type === type);
  }

  /** Lets the process exit although channels are open (they are not work). */
  unrefAll(): void {
    for (const link of this.#links.values()) link.unref();
  }

  closeAll(): void {
    for (const link of [...this.#links.values()]) link.close();
  }

  send(pid: number, type: MessageTypeId, payload?: unknown, options: { stream?: number; fds?: number[] } = {}): boolean {
    const link = this.#links.get(pid);
    if (!link) return false;
    const body = Buffer.isBuffer(payload) ? payload : encodeJson(payload);
    return link.send(type, options.stream ?? 0, this.pid, body, options.fds);
  }

  /** Handles one of the kernel's message types (RPC and NOTIFY messages go to methods instead). */
  onMessage(type: MessageTypeId, handler: (message: Message) => void): void {
    this.#typeHandlers.set(type, handler);
  }

  /**
   * Who may call which method, by the caller's process type (which the
   * channel says, not the message); a method the table does not list is open
   * to every peer.
   */
  restrictCallers(table: Readonly<Record<string, readonly string[]>>): void {
    this.#callers = table;
  }

  /**
   * The kernel's own messages (NEW_PORT, REMOVE_PID, QUIT, CHANGE_FILE,
   * BOOT: anything but calls and their answers) count only from `pid`
   * (main); from any other peer they are dropped and logged. Otherwise an
   * application process, which runs user code, could stop a router, cut
   * its channel to the controller, or hand it a channel posing as the
   * controller.
   */
  kernelMessagesOnlyFrom(pid: number): void {
    this.#kernelFrom = pid;
  }

  /** Is `from` refused `method`? Says so in the log. */
  #refused(method: string, from: ProcessInfo): boolean {
    const allowed = Object.hasOwn(this.#callers, method) ? this.#callers[method] : undefined;
    if (allowed === undefined || allowed.includes(from.type)) return false;
    this.log.warn(`refused "${method}" from ${from.name} (pid ${from.pid}, ${from.type}): only ${allowed.join(', ')} may call it`);
    return true;
  }

  handle<M extends MethodName>(
    method: M,
    handler: (params: ParamsOf<M>, ctx: CallContext) => ResultOf<M> | WithFds<ResultOf<M>> | Promise<ResultOf<M> | WithFds<ResultOf<M>>>,
  ): void {
    this.#methods.set(method, handler as MethodHandler);
  }

  onNotify<M extends MethodName>(method: M, handler: (params: ParamsOf<M>, ctx: CallContext) => void): void {
    this.#notifications.set(method, handler as MethodHandler);
  }

  call<M extends MethodName>(pid: number, method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<CallResult<ResultOf<M>>> {
    return new Promise((resolve, reject) => {
      const link = this.#links.get(pid);
      if (!link) {
        reject(new WeftError(ErrorCodes.PORT, `no channel to pid ${pid} for ${method}`));
        return;
      }
      const stream = this.#rpc.register(
        pid,
        {
          ready: (m) =>
            resolve({ value: (decodeJson<{ result: ResultOf<M> }>(m) ?? { result: undefined as ResultOf<M> }).result, fds: m.fds }),
          error: (m, reason) => {
            if (m) {
              m.fds.forEach((fd) => fs.closeSync(fd));
              reject(new RemoteError(method, decodeJson<RemoteErrorShape>(m)));
            } else {
              reject(new WeftError(reason.code, `${method}: ${reason.message}`, { cause: reason }));
            }
          },
        },
        options.timeoutMs,
      );
      link.send(MessageType.RPC_REQUEST, stream, this.pid, encodeJson({ method, params }), options.fds);
    });
  }

  notify<M extends MethodName>(pid: number, method: M, params: ParamsOf<M>, fds?: number[]): boolean {
    const link = this.#links.get(pid);
    if (!link) return false;
    return link.send(MessageType.NOTIFY, 0, this.pid, encodeJson({ method, params }), fds);
  }

  /** Answers a stream (used by CREATED and by method calls). */
  answer(pid: number, stream: number, result: unknown, fds: number[] = []): void {
    this.send(pid, MessageType.RPC_READY, { result }, { stream, fds });
  }

  answerError(pid: number, stream: number, error: RemoteErrorShape): void {
    this.send(pid, MessageType.RPC_ERROR, error, { stream });
  }

  /** Low-level: waits for an answer on a fresh stream (the seed's rpc register). */
  expectAnswer(pid: number, timeoutMs?: number): { stream: number; answer: Promise<Message> } {
    let settle!: { resolve: (m: Message) => void; reject: (e: Error) => void };
    const answer = new Promise<Message>((resolve, reject) => (settle = { resolve, reject }));
    const stream = this.#rpc.register(
      pid,
      {
        ready: (m) => settle.resolve(m),
        error: (m, reason) => settle.reject(m ? new RemoteError('answer', decodeJson<RemoteErrorShape>(m)) : reason),
      },
      timeoutMs,
    );
    return { stream, answer };
  }

  cancel(stream: number): void {
    this.#rpc.cancel(stream);
  }

  #dispatch(m: Message): void {
    try {
      switch (m.type) {
        case MessageType.RPC_READY:
        case MessageType.RPC_ERROR:
          if (!this.#rpc.dispatch(m, m.type === MessageType.RPC_ERROR)) {
            m.fds.forEach((fd) => fs.closeSync(fd));
          }
          return;
        case MessageType.RPC_REQUEST:
          void this.#serve(m);
          return;
        case MessageType.NOTIFY:
          this.#notify(m);
          return;
        default: {
          const handler = this.#typeHandlers.get(m.type);
          if (this.#kernelFrom !== undefined && m.from.pid !== this.#kernelFrom) {
            m.fds.forEach((fd) => fs.closeSync(fd));
            this.log.warn(
              `refused a ${messageTypeName(m.type)} message from ${m.from.name} (pid ${m.from.pid}, ${m.from.type}): only main sends those`,
            );
          } else if (handler) {
            handler(m);
          } else {
            m.fds.forEach((fd) => fs.closeSync(fd));
            this.log.warn(`unhandled ${messageTypeName(m.type)} message from ${m.from.name} (pid ${m.from.pid})`);
          }
        }
      }
    } catch (e) {
      this.log.alert(`handling ${messageTypeName(m.type)} from pid ${m.from.pid} failed: ${(e as Error).stack ?? e}`);
    }
  }

  async #serve(m: Message): Promise<void> {
    const { method, params } = decodeJson<{ method: string; params: unknown }>(m);
    if (this.#refused(method, m.from)) {
      m.fds.forEach((fd) => fs.closeSync(fd));
      this.answerError(m.from.pid, m.stream, {
        message: `"${method}" may not be called by ${m.from.type}`,
        code: ErrorCodes.PORT_FORBIDDEN,
      });
      return;
    }
    const handler = this.#methods.get(method);
    if (!handler) {
      m.fds.forEach((fd) => fs.closeSync(fd));
      this.answerError(m.from.pid, m.stream, { message: `unknown method "${method}"`, code: ErrorCodes.PORT });
      return;
    }
    try {
      const out = await handler(params, { from: m.from.pid, fds: m.fds });
      if (out instanceof WithFds) {
        this.answer(m.from.pid, m.stream, out.value, out.fds);
      } else {
        this.answer(m.from.pid, m.stream, out);
      }
    } catch (e) {
      const err = e as { message?: string; code?: string; detail?: unknown };
      this.answerError(m.from.pid, m.stream, { message: err.message ?? String(e), code: err.code, detail: err.detail });
    }
  }

  #notify(m: Message): void {
    const { method, params } = decodeJson<{ method: string; params: unknown }>(m);
    if (this.#refused(method, m.from)) {
      m.fds.forEach((fd) => fs.closeSync(fd));
      return;
    }
    const handler = this.#notifications.get(method);
    if (!handler) {
      m.fds.forEach((fd) => fs.closeSync(fd));
      this.log.warn(`unhandled notification "${method}" from pid ${m.from.pid}`);
      return;
    }
    handler(params, { from: m.from.pid, fds: m.fds });
  }
}
