// A whole message as handlers see it.
import type { ProcessInfo } from '../processes/process-table.js';

export interface Message {
  type: number;
  stream: number;
  replyPort: number;
  payload: Buffer;
  /** fds that came with it; whoever handles the message owns (and closes) them. */
  fds: number[];
  /** The peer it came from. */
  from: ProcessInfo;
}

/** Payloads are JSON unless a type says otherwise. */
export function decodeJson<T>(message: Message): T {
  return (message.payload.length === 0 ? undefined : JSON.parse(message.payload.toString('utf8'))) as T;
}

export function encodeJson(value: unknown): Buffer {
  return value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value), 'utf8');
}
