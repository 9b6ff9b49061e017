// Reads answers through Node's public HTTP client, for a Node whose
// internal parser Weft cannot use (node-internals/http-parser.ts). The
// connection still writes each request itself; for each one an
// http.ClientRequest is made on a stand-in socket (createConnection, the
// documented way to give a request any Duplex): what the ClientRequest
// writes there (its own dummy request) is dropped, and what the real socket
// receives is fed to it, so that Node's client parses the answer and hands
// it over as a public IncomingMessage. Same parser, same limits, 1.9 to 3.3
// times the CPU per answer (the request and response objects around it).
import { Duplex } from 'node:stream';
import http from 'node:http';
import type net from 'node:net';

import type { ReaderSink, ResponseReader } from './http1-reader.js';
import { ErrorCodes, WeftError } from '../errors.js';

/** What a ClientRequest takes for its socket: reads what the real socket got, swallows what it writes. */
class StandInSocket extends Duplex {
  #real: net.Socket;

  constructor(real: net.Socket) {
    super();
    this.#real = real;
  }

  override _read(): void {
    // The ClientRequest (or the client reading the answer) wants more.
    this.#real.resume();
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The ClientRequest's own request: the real one was written by the connection.
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ending the stand-in never touches the real socket: the connection owns it.
    callback(error);
  }
}

/** Whether the connection may carry another request after this answer (RFC 9112, 9.3). */
function keepAliveOf(res: http.IncomingMessage): boolean {
  const connection = res.headers.connection;
  const tokens =
    typeof connection === 'string'
      ? connection
          .toLowerCase()
          .split(',')
          .map((t) => t.trim())
      : [];
  if (tokens.includes('close')) return false;
  if (res.httpVersionMajor === 1 && res.httpVersionMinor === 0) return tokens.includes('keep-alive');
  return true;
}

export class PublicClientReader implements ResponseReader {
  #real: net.Socket;
  #sink: ReaderSink;
  /** The stand-in of the answer being read (undefined between answers). */
  #standIn: StandInSocket | undefined;
  #response: http.IncomingMessage | undefined;
  /** The real socket has ended: nothing more will come. */
  #ended = false;
  #done = false;

  constructor(real: net.Socket, sink: ReaderSink) {
    this.#real = real;
    this.#sink = sink;
    real.on('data', (data: Buffer) => {
      const standIn = this.#standIn;
      if (standIn === undefined) {
        this.#fail(new WeftError(ErrorCodes.PEER_HTTP, 'the other side sent bytes no request asked for'));
        return;
      }
      if (!standIn.push(data)) real.pause();
    });
    real.on('end', () => {
      this.#ended = true;
      // The ClientRequest decides: an answer delimited by the end of the connection completes, anything else fails.
      if (this.#standIn) this.#standIn.push(null);
      else this.#fail(new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection'));
    });
    real.on('close', () => {
      // After a clean end the ClientRequest still reports; otherwise this is a break.
      if (this.#standIn && this.#ended) return;
      this.#standIn?.destroy();
      this.#fail(new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection'));
    });
  }

  begin(head: boolean): void {
    const standIn = new StandInSocket(this.#real);
    this.#standIn = standIn;
    this.#response = undefined;
    // Only the method matters to the parser (a HEAD answer has no body); nothing of this goes out.
    const req = http.request({
      method: head ? 'HEAD' : 'GET',
      path: '/',
      setHost: false,
      headers: { connection: 'keep-alive' },
      createConnection: () => standIn as unknown as net.Socket,
    });
    const current = (): boolean => this.#standIn === standIn && !this.#done;
    req.on('information', (info: http.InformationEvent) => {
      if (current()) this.#sink.informational?.(info.statusCode);
    });
    req.on('response', (res: http.IncomingMessage) => {
      if (!current()) return;
      this.#response = res;
      const keepAlive = keepAliveOf(res);
      this.#sink.head(res.statusCode ?? 0, res.rawHeaders, keepAlive);
      res.on('data', (chunk: Buffer) => {
        if (current() && !this.#sink.body(chunk)) res.pause();
      });
      res.on('end', () => {
        if (!current()) return;
        this.#standIn = undefined;
        this.#response = undefined;
        this.#sink.complete(keepAlive && !this.#ended);
      });
      res.on('error', (e: Error) => {
        if (current()) this.#fail(e);
      });
      res.on('close', () => {
        if (current() && !res.complete) this.#fail(new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection mid-answer'));
      });
    });
    req.on('error', (e: Error) => {
      if (!current()) return;
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code.startsWith('HPE_')) this.#fail(new WeftError(ErrorCodes.PEER_HTTP, `the answer is not valid HTTP: ${e.message}`));
      else if (code === 'ECONNRESET') this.#fail(new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection'));
      else this.#fail(e);
    });
    req.end();
  }

  resume(): void {
    if (this.#response) this.#response.resume();
    else this.#real.resume();
  }

  close(): void {
    this.#done = true;
    this.#standIn?.destroy();
    this.#standIn = undefined;
    this.#response = undefined;
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.#sink.broken(error);
  }
}
