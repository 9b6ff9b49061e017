// openat2(2): opening files with limits on how the path resolves. The
// static file server uses it so that a request path never escapes its
// share: not through "..", not through a symlink (follow_symlinks: false),
// not across a mount (traverse_mounts: false), not out of a chroot.
import { ErrorCodes, fromNative } from '../errors.js';
import { native } from './load.js';

export const OPEN = native.openat2Constants;

export interface OpenLimits {
  /** Resolve as if `dirfd` were "/" (absolute symlinks and ".." stay inside). */
  inRoot?: boolean;
  /** Fail (ELOOP) on any symlink in the path. */
  noSymlinks?: boolean;
  /** Fail (EXDEV) when the path crosses a mount point. */
  noXdev?: boolean;
  /** Open a directory (O_DIRECTORY) or only a path handle (O_PATH). */
  directory?: boolean;
  pathOnly?: boolean;
}

/** An fd for `path` under `dirfd` (AT_FDCWD for the current directory); throws with the errno (ENOENT, ELOOP, EXDEV...). */
export function openat2(dirfd: number, path: string, limits: OpenLimits = {}): number {
  // O_PATH takes no other flags but O_DIRECTORY (and needs only search permission).
  let flags = limits.pathOnly ? OPEN.O_PATH : OPEN.O_RDONLY | OPEN.O_NONBLOCK;
  if (limits.directory) flags |= OPEN.O_DIRECTORY;
  let resolve = OPEN.RESOLVE_NO_MAGICLINKS;
  if (limits.inRoot) resolve |= OPEN.RESOLVE_IN_ROOT;
  if (limits.noSymlinks) resolve |= OPEN.RESOLVE_NO_SYMLINKS;
  if (limits.noXdev) resolve |= OPEN.RESOLVE_NO_XDEV;
  try {
    return native.openat2(dirfd, path, flags, resolve);
  } catch (e) {
    throw fromNative(ErrorCodes.FD, e);
  }
}
