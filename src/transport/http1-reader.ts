// How an Http1Connection reads answers off its socket: the connection
// writes each request itself (head and body), a reader parses what comes
// back and reports it to the connection. Two readers exist: Node's own
// parser used directly (http1-node-reader.ts, an internal of Node's) and
// the same parser behind the public http.ClientRequest
// (http1-public-reader.ts), the fallback when this Node lacks the former.

/** What a reader reports, for the answer to the request sent last. */
export interface ReaderSink {
  /** An informational answer (100 Continue, 103...): only its status; what counts comes in head(). */
  informational?(status: number): void;
  /** The final status and headers (informational 1xx answers are skipped); keepAlive: the connection may carry another request. */
  head(status: number, headers: string[], keepAlive: boolean): void;
  /** A piece of the body; false: the client is slow, the reader pauses until resume(). */
  body(chunk: Buffer): boolean;
  /** The answer is complete; keepAlive as the answer said (false also when it ended with the connection). */
  complete(keepAlive: boolean): void;
  /** The connection broke, closed, or sent what is not HTTP. */
  broken(error: Error): void;
}

export interface ResponseReader {
  /** A request was just written: its answer comes next (`head`: a HEAD request, the answer has no body). */
  begin(head: boolean): void;
  /** Reading goes on after body() returned false. */
  resume(): void;
  /** The connection is done: free what the reader holds. */
  close(): void;
}
