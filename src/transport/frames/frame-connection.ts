// One connection to an application process that speaks Weft's frames: one
// request at a time, many in sequence (keep-alive). A sibling of the router's
// AppConnection (router/applications/app-connection.ts), with its Exchange
// callbacks, so that both plug in the same way; it imports nothing of the
// router.
//
// A request is over on this connection when both sides have sent their
// last frame: the router's LAST (or ABORT) and the app's LAST (or ABORT).
// Then the connection is idle and goes back to its owner (`onIdle`). When
// the answer completes before the request body has all been sent, the rest
// of the body is not sent: the request is ended at once (the app drops what
// it did not read). When the client goes away, abort() tells the app
// (http.disconnect) and the rest of its answer is dropped here; the
// connection is reusable once the app has sent its last frame.
//
// Memory is bounded both ways: body() returning false pauses reading until
// resumeReading(); FrameCall.write() returning false means wait for
// onDrain() before writing more.
import type net from 'node:net';
import type { Readable } from 'node:stream';

import { ErrorCodes, WeftError } from '../../errors.js';
import { AnswerDecoder, AnswerProtocolError } from './answer-decoder.js';
import type { AnswerSink } from './answer-decoder.js';
import { FRAME_HEADER_SIZE, frameHeader, FrameFlag, FrameType, MAX_BODY_FRAME, writeFrameHeader } from './frame-format.js';
import { encodeRequestHead } from './request-head.js';
import type { FrameRequest } from './request-head.js';

/** Where one answer goes: the router's Exchange (app-connection.ts), plus the upgrade. */
export interface FrameExchange {
  /** The final status and headers (name, value, ...). */
  head(status: number, headers: string[]): void;
  /** A piece of the body; false: the client is slow, reading pauses until resumeReading(). */
  body(chunk: Buffer): boolean;
  end(): void;
  /** The connection broke, the app aborted its answer, or it was malformed; `started`: head() was called. */
  fail(error: Error, started: boolean): void;
  /**
   * After head(101, ...): the socket now carries the app's raw bytes (WebSocket)
   * both ways and is no longer this module's; `rest` was read past the head.
   * Without this callback a 101 fails the exchange.
   */
  upgraded?(socket: net.Socket, rest: Buffer): void;
}

/** The answer could not be had: the connection broke, the app aborted it, or it broke the protocol. */
export class FrameAnswerError extends WeftError {
  override name = 'FrameAnswerError';

  constructor(message: string) {
    super(ErrorCodes.FRAMES, message);
  }
}

const EMPTY_LAST = frameHeader(FrameType.BODY, FrameFlag.LAST, 0);
const ABORT_FRAME = frameHeader(FrameType.ABORT, 0, 0);
/** Bodies smaller than this go out as one buffer with their frame header; larger ones as two writes, corked. */
const COPY_BELOW = 16 * 1024;

/** The request side of one exchange: its body, its end, its abort. Stale once the exchange is over. */
export class FrameCall {
  #connection: FrameConnection;
  #id: number;

  constructor(connection: FrameConnection, id: number) {
    this.#connection = connection;
    this.#id = id;
  }

  /** Still the connection's exchange and its request still open. */
  get open(): boolean {
    return this.#connection.requestOpen(this.#id);
  }

  /** A piece of the body; false: wait for onDrain() before writing more. */
  write(chunk: Buffer): boolean {
    return this.#connection.writeBody(this.#id, chunk);
  }

  /** The body is complete. */
  end(): void {
    this.#connection.endBody(this.#id);
  }

  /** The client went away: the app hears http.disconnect, its answer is dropped. */
  abort(): void {
    this.#connection.abortCall(this.#id);
  }

  onDrain(callback: () => void): void {
    this.#connection.socket.once('drain', callback);
  }

  /** Sends a readable stream as the body, with backpressure, then ends it. */
  pipeFrom(source: Readable): void {
    source.on('data', (chunk: Buffer) => {
      if (!this.open) return;
      if (!this.write(chunk)) {
        source.pause();
        this.onDrain(() => source.resume());
      }
    });
    source.on('end', () => this.end());
  }
}

export class FrameConnection implements AnswerSink {
  readonly socket: net.Socket;
  /** Requests sent on it so far (a reused connection may have been closed by the app meanwhile). */
  uses = 0;
  #decoder: AnswerDecoder;
  #exchange: FrameExchange | null = null;
  #id = 0;
  #requestDone = true;
  #answerDone = true;
  #started = false;
  /** The client went away: what the app still sends for this request is dropped. */
  #discarding = false;
  #dead = false;
  #onIdle: (c: FrameConnection) => void;
  /** A 101 was read: the raw stream goes to this exchange once the current read is parsed. */
  #upgrade: { exchange: FrameExchange; rest: Buffer[] } | null = null;

  constructor(socket: net.Socket, onIdle: (c: FrameConnection) => void) {
    this.socket = socket;
    this.#onIdle = onIdle;
    this.#decoder = new AnswerDecoder(this);
    socket.on('data', (data: Buffer) => {
      try {
        this.#decoder.feed(data);
      } catch (e) {
        const error =
          e instanceof AnswerProtocolError ? new FrameAnswerError(`the application's answer is malformed: ${e.message}`) : (e as Error);
        this.#broken(error);
        return;
      }
      if (this.#upgrade) this.#handOver();
    });
    socket.on('end', () => this.#broken(new FrameAnswerError('the application closed the connection')));
    socket.on('error', (e: Error) => this.#broken(e));
    socket.on('close', () => this.#broken(new FrameAnswerError('the application closed the connection')));
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** No exchange on it: it may take a request. */
  get idle(): boolean {
    return !this.#dead && this.#requestDone && this.#answerDone;
  }

  /** Sends a request head; its answer goes to `exchange`. The body follows through the returned call. */
  start(request: FrameRequest, exchange: FrameExchange): FrameCall {
    if (!this.idle) throw new FrameAnswerError('a frame connection carries one request at a time');
    this.uses++;
    const id = ++this.#id;
    this.#exchange = exchange;
    this.#requestDone = !request.body;
    this.#answerDone = false;
    this.#started = false;
    this.#discarding = false;
    this.socket.write(encodeRequestHead(request));
    return new FrameCall(this, id);
  }

  resumeReading(): void {
    if (!this.#dead) this.socket.resume();
  }

  destroy(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#exchange = null;
    this.socket.destroy();
  }

  // --- the request side (through FrameCall) ---
  requestOpen(id: number): boolean {
    return id === this.#id && !this.#dead && !this.#requestDone;
  }

  writeBody(id: number, chunk: Buffer): boolean {
    if (!this.requestOpen(id) || chunk.length === 0) return true;
    const socket = this.socket;
    let ok = true;
    for (let offset = 0; offset < chunk.length; offset += MAX_BODY_FRAME) {
      const piece = offset === 0 && chunk.length <= MAX_BODY_FRAME ? chunk : chunk.subarray(offset, offset + MAX_BODY_FRAME);
      if (piece.length < COPY_BELOW) {
        const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + piece.length);
        writeFrameHeader(frame, 0, FrameType.BODY, 0, piece.length);
        piece.copy(frame, FRAME_HEADER_SIZE);
        ok = socket.write(frame);
      } else {
        socket.cork();
        socket.write(frameHeader(FrameType.BODY, 0, piece.length));
        ok = socket.write(piece);
        socket.uncork();
      }
    }
    return ok;
  }

  endBody(id: number): void {
    if (!this.requestOpen(id)) return;
    this.#requestDone = true;
    this.socket.write(EMPTY_LAST);
    this.#maybeIdle();
  }

  abortCall(id: number): void {
    if (id !== this.#id || this.#dead || this.#answerDone) {
      if (id === this.#id && !this.#requestDone) this.endBody(id);
      return;
    }
    this.#discarding = true;
    this.#exchange = null;
    this.#requestDone = true;
    this.socket.write(ABORT_FRAME);
    // What is still on its way is dropped, however fast it comes.
    this.socket.resume();
  }

  // --- the answer side (AnswerSink) ---
  head(status: number, headers: string[], last: boolean): void {
    if (this.#answerDone) return this.#broken(new FrameAnswerError('an answer head outside of an exchange'));
    const exchange = this.#discarding ? null : this.#exchange;
    if (status === 101) {
      // The connection now belongs to whoever takes the raw stream: handed
      // over once this read is parsed (raw() collects what came with the head).
      this.#answerDone = true;
      this.#requestDone = true;
      this.#exchange = null;
      this.#dead = true;
      if (!exchange || !exchange.upgraded) {
        exchange?.fail(new FrameAnswerError('the application switched protocols where nobody takes the connection'), false);
        this.socket.destroy();
        return;
      }
      exchange.head(status, headers);
      this.#upgrade = { exchange, rest: [] };
      return;
    }
    this.#started = true;
    exchange?.head(status, headers);
    if (last) this.#answerEnd();
  }

  body(chunk: Buffer, last: boolean): void {
    if (this.#answerDone) return this.#broken(new FrameAnswerError('an answer body outside of an exchange'));
    if (!this.#started && !this.#discarding) return this.#broken(new FrameAnswerError('an answer body before its head'));
    const exchange = this.#discarding ? null : this.#exchange;
    if (exchange && chunk.length > 0 && !exchange.body(chunk)) this.socket.pause();
    if (last) this.#answerEnd();
  }

  abort(message: string): void {
    if (this.#answerDone) return this.#broken(new FrameAnswerError('an abort outside of an exchange'));
    const exchange = this.#discarding ? null : this.#exchange;
    const started = this.#started;
    this.#finishAnswer();
    exchange?.fail(new FrameAnswerError(`the application aborted its answer: ${message || 'no reason given'}`), started);
  }

  raw(chunk: Buffer): void {
    this.#upgrade?.rest.push(chunk);
  }

  #handOver(): void {
    const { exchange, rest } = this.#upgrade!;
    this.#upgrade = null;
    const socket = this.socket;
    for (const event of ['data', 'end', 'error', 'close'] as const) socket.removeAllListeners(event);
    exchange.upgraded!(socket, Buffer.concat(rest));
  }

  #answerEnd(): void {
    const exchange = this.#discarding ? null : this.#exchange;
    this.#finishAnswer();
    exchange?.end();
  }

  #finishAnswer(): void {
    this.#answerDone = true;
    this.#exchange = null;
    this.#started = false;
    this.#discarding = false;
    // The answer is complete: the app drops the rest of the body, so it is not sent.
    if (!this.#requestDone) {
      this.#requestDone = true;
      this.socket.write(EMPTY_LAST);
    }
    this.#maybeIdle();
  }

  #maybeIdle(): void {
    if (this.idle) {
      this.socket.resume();
      this.#onIdle(this);
    }
  }

  #broken(error: Error): void {
    if (this.#dead) return;
    const exchange = this.#discarding ? null : this.#exchange;
    const started = this.#started;
    const active = !this.#answerDone;
    this.destroy();
    if (active) exchange?.fail(error, started);
  }
}
