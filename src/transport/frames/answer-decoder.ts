// The app's answer, read incrementally off the connection: HEAD (status and
// headers, latin-1, NUL-separated; flag LAST when no body follows), BODY
// pieces handed on as they arrive (a large frame is never held whole),
// ABORT (the answer broke; a message says why). After a HEAD with status
// 101 the rest of the connection is raw bytes, handed on as they are.
import { FRAME_HEADER_SIZE, FrameFlag, FrameType, MAX_HEAD_PAYLOAD } from './frame-format.js';

export interface AnswerSink {
  /** headers: name, value, name, value... as the app wrote them. */
  head(status: number, headers: string[], last: boolean): void;
  /** A piece of the body; `last` on the final one (which may be empty). */
  body(chunk: Buffer, last: boolean): void;
  abort(message: string): void;
  /** Bytes after a 101 head: not frames any more. */
  raw(chunk: Buffer): void;
}

export class AnswerProtocolError extends Error {
  override name = 'AnswerProtocolError';
}

export class AnswerDecoder {
  #sink: AnswerSink;
  /** Bytes of a header or a head/abort payload not complete yet. */
  #pending: Buffer | null = null;
  /** Remaining bytes of the BODY frame being passed through, and whether it is the last. */
  #bodyLeft = 0;
  #bodyLast = false;
  #raw = false;

  constructor(sink: AnswerSink) {
    this.#sink = sink;
  }

  get raw(): boolean {
    return this.#raw;
  }

  feed(data: Buffer): void {
    if (this.#raw) {
      if (data.length > 0) this.#sink.raw(data);
      return;
    }
    let buf = data;
    let pos = 0;
    for (;;) {
      if (this.#bodyLeft > 0) {
        const n = Math.min(this.#bodyLeft, buf.length - pos);
        if (n === 0) break;
        this.#bodyLeft -= n;
        const chunk = buf.subarray(pos, pos + n);
        pos += n;
        this.#sink.body(chunk, this.#bodyLeft === 0 && this.#bodyLast);
        continue;
      }
      if (this.#pending) {
        buf = Buffer.concat([this.#pending, buf.subarray(pos)]);
        pos = 0;
        this.#pending = null;
      }
      const available = buf.length - pos;
      if (available === 0) break;
      if (available < FRAME_HEADER_SIZE) {
        this.#pending = Buffer.from(buf.subarray(pos));
        break;
      }
      const type = buf[pos];
      const flags = buf[pos + 1];
      const length = buf.readUInt32LE(pos + 4);
      if (type === FrameType.BODY) {
        pos += FRAME_HEADER_SIZE;
        const last = (flags & FrameFlag.LAST) !== 0;
        if (length === 0) {
          this.#sink.body(buf.subarray(pos, pos), last);
          continue;
        }
        this.#bodyLeft = length;
        this.#bodyLast = last;
        continue;
      }
      if (type !== FrameType.HEAD && type !== FrameType.ABORT) {
        throw new AnswerProtocolError(`an unknown frame type ${type}`);
      }
      if (length > MAX_HEAD_PAYLOAD) throw new AnswerProtocolError(`a head of ${length} bytes`);
      if (available < FRAME_HEADER_SIZE + length) {
        this.#pending = Buffer.from(buf.subarray(pos));
        break;
      }
      const payload = buf.subarray(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + length);
      pos += FRAME_HEADER_SIZE + length;
      if (type === FrameType.ABORT) {
        this.#sink.abort(payload.toString('utf8'));
        continue;
      }
      const fields = payload.toString('latin1').split('\0');
      const status = Number(fields[0]);
      if (!Number.isInteger(status) || status < 100 || status > 999 || fields.length % 2 !== 1) {
        throw new AnswerProtocolError('a malformed answer head');
      }
      fields.shift();
      if (status === 101) {
        this.#raw = true;
        this.#sink.head(status, fields, false);
        if (pos < buf.length) this.#sink.raw(buf.subarray(pos));
        return;
      }
      this.#sink.head(status, fields, (flags & FrameFlag.LAST) !== 0);
    }
  }
}
