// A file too large to cache goes out in big chunks read from the fd that
// was opened for this request, the next chunk read while the previous one
// drains to the client, and never more than `size` bytes: the
// Content-Length already promised. If the file shrinks under us, or the
// client goes away, the response is cut off (the connection destroyed, as
// Unit does when a read fails mid-body) and the fd closed either way.
import type { ServerResponse } from 'node:http';

import { ErrorCodes, WeftError } from '../../../errors.js';
import { STREAM_CHUNK_BYTES } from './limits.js';
import { readAt } from './read-file.js';

function readChunk(fd: number, position: number, size: number): Promise<Buffer> {
  const length = Math.min(STREAM_CHUNK_BYTES, size - position);
  const buffer = Buffer.allocUnsafe(length);
  return readAt(fd, buffer, 0, length, position).then((n) => (n === length ? buffer : buffer.subarray(0, n)));
}

/** Resolves when the client can take more, or false when it is gone. */
function writable(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Sends bytes [0, size) of fd as the body of res, then ends it. The caller closes fd afterwards. */
export async function streamFile(fd: number, size: number, res: ServerResponse): Promise<void> {
  let position = 0;
  let next: Promise<Buffer> | null = size > 0 ? readChunk(fd, 0, size) : null;
  try {
    while (next !== null) {
      const chunk = await next;
      next = null;
      if (chunk.length === 0) throw new WeftError(ErrorCodes.SHARE_FILE_CHANGED, 'the file shrank while it was sent');
      position += chunk.length;
      if (position < size) next = readChunk(fd, position, size);
      if (res.destroyed) return;
      if (!res.write(chunk) && !(await writable(res))) return;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    // A read still in flight holds the fd: let it finish before the caller closes it.
    if (next !== null) await next.catch(() => undefined);
  }
}
