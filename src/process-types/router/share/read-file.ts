// Reading from an fd we opened, on the thread pool (never on the event
// loop): the whole of a small file, or the next chunk of a large one.
import { read } from 'node:fs';

export function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/**
 * Exactly `size` bytes from the start of the file, or null when it ended
 * sooner (it was truncated since its fstat; the caller opens it again).
 */
export async function readWhole(fd: number, size: number): Promise<Buffer | null> {
  // Its own memory, not a slice of Node's shared pool: a cached body must not pin a pool slab.
  const body = Buffer.allocUnsafeSlow(size);
  let done = 0;
  while (done < size) {
    const n = await readAt(fd, body, done, size - done, done);
    if (n === 0) return null;
    done += n;
  }
  return body;
}
