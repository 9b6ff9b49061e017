// One HTTP/1.1 connection to another of Weft's processes, carrying one
// request at a time: a router to an application process (routed mode), an
// application process to a router (a request it hands over). The request
// head is written by the caller from what it already parsed, and the
// answer is read with Node's HTTP parser straight into the client's
// response: no ClientRequest, agent or stream pipes per request.
import type net from 'node:net';

import { HTTPParser } from './http-parser.js';
import type { HeadersComplete, NodeHttpParser } from './http-parser.js';

/** Where one answer goes. */
export interface Exchange {
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

export class Http1Connection {
  readonly socket: net.Socket;
  /** Requests sent on it so far (a reused connection may have been closed by the app meanwhile). */
  uses = 0;
  #parser: NodeHttpParser;
  #exchange: Exchange | null = null;
  #started = false;
  #skipBody = false;
  #keepAlive = true;
  #informational = false;
  #partial: string[] = [];
  #dead = false;
  #onIdle: (c: Http1Connection) => void;
  #counter: ReadCounter | undefined;
  /** The application's count when the current request was sent. */
  #readBefore = 0;

  constructor(socket: net.Socket, onIdle: (c: Http1Connection) => void, counter?: ReadCounter) {
    this.socket = socket;
    this.#onIdle = onIdle;
    this.#counter = counter;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {});
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => {
      for (const h of headers) this.#partial.push(h);
    };
    parser[HTTPParser.kOnHeadersComplete] = ((_maj, _min, headers, _method, _url, status, _message, _upgrade, keepAlive) => {
      const all = headers ?? this.#partial;
      this.#partial = [];
      if (status < 200) {
        this.#informational = true;
        return 0;
      }
      this.#keepAlive = keepAlive;
      this.#started = true;
      this.#exchange?.head(status, all);
      // A HEAD answer announces a body it does not send.
      return this.#skipBody ? 1 : 0;
    }) satisfies HeadersComplete;
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      if (this.#exchange && !this.#exchange.body(chunk)) socket.pause();
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      // Trailers arrive as headers after the body; they stay on this hop.
      this.#partial = [];
      if (this.#informational) {
        this.#informational = false;
        return;
      }
      const exchange = this.#exchange;
      this.#exchange = null;
      this.#started = false;
      exchange?.end();
      if (this.#keepAlive && !this.#dead) this.#onIdle(this);
      else this.destroy();
    };
    this.#parser = parser;
    socket.on('data', (data: Buffer) => {
      const r = parser.execute(data);
      if (r instanceof Error) this.#broken(new Error(`the answer is not valid HTTP: ${r.message}`));
    });
    // An answer delimited by the end of the connection ends here.
    socket.on('end', () => {
      const r = parser.finish();
      this.#broken(r instanceof Error ? r : new Error('the other side closed the connection'));
    });
    socket.on('error', (e: Error) => this.#broken(e));
    socket.on('close', () => this.#broken(new Error('the other side closed the connection')));
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Sends a request head (and, through write(), its body); its answer goes to `exchange`. */
  start(head: string, exchange: Exchange, options: { head: boolean }): void {
    this.uses++;
    this.#readBefore = this.#counter?.read() ?? 0;
    this.#exchange = exchange;
    this.#skipBody = options.head;
    this.#keepAlive = true;
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

  resumeReading(): void {
    if (!this.#dead) this.socket.resume();
  }

  destroy(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#exchange = null;
    this.socket.destroy();
    this.#counter?.release();
    this.#counter = undefined;
    // Not while the parser may be running the callback that got us here.
    const parser = this.#parser;
    setImmediate(() => parser.close());
  }

  #broken(error: Error): void {
    const exchange = this.#exchange;
    const started = this.#started;
    const taken = this.taken();
    this.destroy();
    exchange?.fail(error, started, taken);
  }
}
