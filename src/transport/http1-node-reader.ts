// Reads answers with Node's own HTTP parser, used directly
// (node-internals/http-parser.ts says why, and what the public path costs).
import type net from 'node:net';

import type { HeadersComplete, NodeHttpParserClass } from '../node-internals/http-parser.js';
import type { ReaderSink, ResponseReader } from './http1-reader.js';
import { ErrorCodes, WeftError } from '../errors.js';

export class NodeParserReader implements ResponseReader {
  #socket: net.Socket;
  #parser;
  #skipBody = false;
  #keepAlive = true;
  #informational = false;
  #partial: string[] = [];

  constructor(HTTPParser: NodeHttpParserClass, socket: net.Socket, sink: ReaderSink) {
    this.#socket = socket;
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
        sink.informational?.(status);
        return 0;
      }
      this.#keepAlive = keepAlive;
      sink.head(status, all, keepAlive);
      // A HEAD answer announces a body it does not send.
      return this.#skipBody ? 1 : 0;
    }) satisfies HeadersComplete;
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      if (!sink.body(chunk)) socket.pause();
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      // Trailers arrive as headers after the body; they stay on this hop.
      this.#partial = [];
      if (this.#informational) {
        this.#informational = false;
        return;
      }
      sink.complete(this.#keepAlive);
    };
    this.#parser = parser;
    socket.on('data', (data: Buffer) => {
      const r = parser.execute(data);
      if (r instanceof Error) sink.broken(new WeftError(ErrorCodes.PEER_HTTP, `the answer is not valid HTTP: ${r.message}`));
    });
    // An answer delimited by the end of the connection ends here.
    socket.on('end', () => {
      const r = parser.finish();
      sink.broken(r instanceof Error ? r : new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection'));
    });
    socket.on('close', () => sink.broken(new WeftError(ErrorCodes.PEER_HTTP, 'the other side closed the connection')));
  }

  begin(head: boolean): void {
    this.#skipBody = head;
    this.#keepAlive = true;
  }

  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    // Not while the parser may be running the callback that got us here.
    const parser = this.#parser;
    setImmediate(() => parser.close());
  }
}
