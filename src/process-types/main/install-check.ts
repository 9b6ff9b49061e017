// Unprivileged processes run Weft's own code as --user. If that user cannot
// read the installation (say it lives under /root), every one of them would
// die at start with an obscure error; say so up front instead.
import fs from 'node:fs';
import path from 'node:path';

import { ErrorCodes, WeftError } from '../../errors.js';

function allows(st: fs.Stats, uid: number, gid: number, bits: number): boolean {
  if (uid === 0) return true;
  if (st.uid === uid) return ((st.mode >> 6) & bits) === bits;
  if (st.gid === gid) return ((st.mode >> 3) & bits) === bits;
  return (st.mode & bits) === bits;
}

export function checkReadableBy(root: string, user: string, uid: number, gid: number): void {
  let dir = path.resolve(root);
  const chain: string[] = [];
  while (true) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    const st = fs.statSync(d);
    if (!allows(st, uid, gid, 1)) {
      throw new WeftError(
        ErrorCodes.PROCESS_START,
        `user "${user}" cannot reach the Weft installation "${root}": directory "${d}" has mode ` +
          `0${(st.mode & 0o777).toString(8)}; install Weft where that user can read it, or choose another --user`,
      );
    }
  }
}
