// A message on the wire: one or more frames, each with a 16-byte header.
//
//   0  u8  type          8  u32 reply port (the sender's pid)
//   1  u8  flags         12 u32 total payload length of the message
//   2  u16 reserved
//   4  u32 stream
//
// A payload larger than a frame is split; flags mark the first and last
// frame, and fds travel with the first.
import type { MessageTypeId } from './message-type.js';

export const HEADER_SIZE = 16;
export const FLAG_FIRST = 1;
export const FLAG_LAST = 2;

export interface FrameHeader {
  type: number;
  flags: number;
  stream: number;
  replyPort: number;
  total: number;
}

export function encodeFrames(type: MessageTypeId, stream: number, replyPort: number, payload: Buffer, maxFrame: number): Buffer[] {
  const room = maxFrame - HEADER_SIZE;
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const chunk = Math.min(room, payload.length - offset);
    const frame = Buffer.allocUnsafe(HEADER_SIZE + chunk);
    let flags = 0;
    if (offset === 0) flags |= FLAG_FIRST;
    if (offset + chunk === payload.length) flags |= FLAG_LAST;
    frame.writeUInt8(type, 0);
    frame.writeUInt8(flags, 1);
    frame.writeUInt16LE(0, 2);
    frame.writeUInt32LE(stream >>> 0, 4);
    frame.writeUInt32LE(replyPort >>> 0, 8);
    frame.writeUInt32LE(payload.length, 12);
    payload.copy(frame, HEADER_SIZE, offset, offset + chunk);
    frames.push(frame);
    offset += chunk;
  } while (offset < payload.length);
  return frames;
}

export function decodeHeader(frame: Buffer): FrameHeader | null {
  if (frame.length < HEADER_SIZE) return null;
  return {
    type: frame.readUInt8(0),
    flags: frame.readUInt8(1),
    stream: frame.readUInt32LE(4),
    replyPort: frame.readUInt32LE(8),
    total: frame.readUInt32LE(12),
  };
}
