// Weft's request/response frames between the router and an application
// process that speaks them (the Python runtime: plugins/python/PROTOCOL.md
// has the whole format). Every frame: an 8-byte header, then its payload.
//
//   0  u8  type     1 HEAD, 2 BODY, 3 ABORT
//   1  u8  flags    1 LAST (nothing of this message follows), 2 UPGRADE (request head only)
//   2  u16 reserved (0)
//   4  u32 payload length, little-endian
export const FRAME_HEADER_SIZE = 8;

export const FrameType = {
  HEAD: 1,
  BODY: 2,
  ABORT: 3,
} as const;

export const FrameFlag = {
  LAST: 1,
  UPGRADE: 2,
} as const;

/** Largest head the decoder takes (the router's own limit is 32 KiB of headers). */
export const MAX_HEAD_PAYLOAD = 1 << 20;

/** Body frames are written at most this large (larger client chunks are split). */
export const MAX_BODY_FRAME = 1 << 20;

export function writeFrameHeader(target: Buffer, offset: number, type: number, flags: number, length: number): void {
  target[offset] = type;
  target[offset + 1] = flags;
  target[offset + 2] = 0;
  target[offset + 3] = 0;
  target.writeUInt32LE(length, offset + 4);
}

export function frameHeader(type: number, flags: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeFrameHeader(b, 0, type, flags, length);
  return b;
}
