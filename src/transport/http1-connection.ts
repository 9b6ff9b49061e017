// One HTTP/1.1 connection to another of Weft's processes or to an upstream,
// carrying one request at a time: a router to an application process
// (routed mode) or to a proxy target, an application process to a router
// (a request it hands over). The request head is written by the caller from
// what it already parsed, and the answer is read straight into the
// client's response: no ClientRequest, agent or stream pipes per request
// where this Node lets Weft use its parser directly (http1-node-reader.ts),
// and through Node's public client otherwise (http1-public-reader.ts).
import type net from 'node:net';

import { nodeHttpParser } from '../node-internals/http-parser.js';
import { NodeParserReader } from './http1-node-reader.js';
import { PublicClientReader } from './http1-public-reader.js';
import type { ReaderSink, ResponseReader } from './http1-reader.js';

/** Where one answer goes. */
export interface Exchange {
  /** An informational answer's status (100 Continue...), when the exchange wants to know. */
  informational?(status: number): void;
  /** The final status and headers (informational 1xx answers are skipped). */
  head(status: number, headers: string[]): void;
  /** A piece of the body; false: the client is slow, reading pauses until resumeReading(). */
  body(chunk: Buffer): boolean;
  end(): void;
  /**
   * The connection broke or the answer was malformed; `started`: head() was
   * called; `taken`: false when the application certainly never read the
   * request (it may go elsewhere as if never sent).
   */
  fail(error: Error, started: boolean, taken: boolean): void;
}

/** The application's count of the requests it has read on a connection (shared memory). */
export interface ReadCounter {
  read(): number;
  /** The connection is gone: its counter may serve another. */
  release(): void;
}

/** Which reader new connections get: Node's parser when this Node has it as Weft expects. */
function readerFor(socket: net.Socket, sink: ReaderSink): ResponseReader {
  const HTTPParser = nodeHttpParser();
  return HTTPParser ? new NodeParserReader(HTTPParser, socket, sink) : new PublicClientReader(socket, sink);
}

export class Http1Connection {
  readonly socket: net.Socket;
  /** Requests sent on it so far (a reused connection may have been closed by the app meanwhile). */
  uses = 0;
  #reader: ResponseReader;
  #exchange: Exchange | null = null;
  #started = false;
  #dead = false;
  /** The current answer is the last on this connection (see closeAfterAnswer). */
  #last = false;
  #onIdle: (c: Http1Connection) => void;
  #counter: ReadCounter | undefined;
  /** The application's count when the current request was sent. */
  #readBefore = 0;

  constructor(socket: net.Socket, onIdle: (c: Http1Connection) => void, counter?: ReadCounter) {
    this.socket = socket;
    this.#onIdle = onIdle;
    this.#counter = counter;
    this.#reader = readerFor(socket, {
      informational: (status) => this.#exchange?.informational?.(status),
      head: (status, headers) => {
        this.#started = true;
        this.#exchange?.head(status, headers);
      },
      body: (chunk) => this.#exchange?.body(chunk) ?? true,
      complete: (keepAlive) => {
        const exchange = this.#exchange;
        this.#exchange = null;
        this.#started = false;
        exchange?.end();
        if (keepAlive && !this.#dead && !this.#last) {
          // A slow client may have paused reading on the answer's last piece:
          // an idle connection must read, or its next answer is never seen.
          this.#reader.resume();
          this.#onIdle(this);
        } else this.destroy();
      },
      broken: (error) => this.#broken(error),
    });
    socket.on('error', (e: Error) => this.#broken(e));
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Sends a request head (and, through write(), its body); its answer goes to `exchange`. */
  start(head: string, exchange: Exchange, options: { head: boolean }): void {
    this.uses++;
    this.#readBefore = this.#counter?.read() ?? 0;
    this.#exchange = exchange;
    this.#reader.begin(options.head);
    this.socket.write(head, 'latin1');
  }

  /**
   * Did the application read the current request? False only when it
   * certainly did not (its count did not move): then the request may go to
   * another process as if never sent.
   */
  taken(): boolean {
    return this.#counter === undefined || this.#counter.read() !== this.#readBefore;
  }

  /** The other side's state is unknown after this answer (a body it waited for never came): no request follows on it. */
  closeAfterAnswer(): void {
    this.#last = true;
  }

  resumeReading(): void {
    if (!this.#dead) this.#reader.resume();
  }

  destroy(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#exchange = null;
    this.socket.destroy();
    this.#counter?.release();
    this.#counter = undefined;
    this.#reader.close();
  }

  #broken(error: Error): void {
    const exchange = this.#exchange;
    const started = this.#started;
    const taken = this.taken();
    this.destroy();
    exchange?.fail(error, started, taken);
  }
}
