// Opening a share's file with openat2(2), so that how the path resolves is
// the kernel's to enforce, not a string check's: with a chroot, the path is
// resolved under an fd of the chroot directory as if it were "/"
// (RESOLVE_IN_ROOT: "..", absolute symlinks and all stay inside);
// follow_symlinks: false refuses any symlink on the way (RESOLVE_NO_SYMLINKS,
// ELOOP), traverse_mounts: false any mount crossing (RESOLVE_NO_XDEV, EXDEV);
// /proc "magic links" are always refused. The caller reads from the fd it
// gets, never from the path again.
//
// Failures map to statuses as Unit maps them: ENOENT, ENOTDIR,
// ENAMETOOLONG and ENXIO (a socket) are 404; EACCES, ELOOP and EXDEV are
// 403 (and a share outside its chroot, like EACCES); those two let the next
// share or the fallback run. Anything else is a 500, logged, final.
import { closeSync } from 'node:fs';

import { SyscallError } from '../../../errors.js';
import { OPEN, openat2 } from '../../../native/openat2.js';
import { chrootRest } from './chroot-match.js';

export interface ResolveLimits {
  noSymlinks: boolean;
  noXdev: boolean;
}

export type OpenResult =
  /** `realPath`: the same file named from the real root (byte string), for a later stat. */
  { ok: true; fd: number; realPath: string } | { ok: false; status: 403 | 404 | 500; errno: string; message: string };

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ENXIO']);
const FORBIDDEN = new Set(['EACCES', 'ELOOP', 'EXDEV']);

/** openat2 reports EAGAIN when a rename or mount raced a RESOLVE_IN_ROOT walk; it is safe to retry. */
const RACE_RETRIES = 4;

const ASCII = /^[\x00-\x7f]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The path as the native call takes it (it encodes the string as UTF-8), or
 * null when the bytes cannot cross: not UTF-8, or holding a NUL (which C
 * would take as the end of the name: "a.html\0.png" must not open a.html).
 */
function nativePath(bytes: string): string | null {
  if (bytes.includes('\0')) return null;
  if (ASCII.test(bytes)) return bytes;
  try {
    return utf8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return null;
  }
}

/** `what` names the file as Unit's log does: `"name"` or `"name" at "chroot"`. */
function failure(e: unknown, what: string): OpenResult {
  if (!(e instanceof SyscallError)) throw e;
  const errno = e.errnoName;
  const status = NOT_FOUND.has(errno) ? 404 : FORBIDDEN.has(errno) ? 403 : 500;
  return { ok: false, status, errno, message: `opening ${what} failed: ${e.message}` };
}

function openRetrying(dirfd: number, path: string, limits: Parameters<typeof openat2>[2]): number {
  for (let attempt = 0; ; attempt++) {
    try {
      return openat2(dirfd, path, limits);
    } catch (e) {
      if (attempt < RACE_RETRIES && e instanceof SyscallError && e.errnoName === 'EAGAIN') continue;
      throw e;
    }
  }
}

const unrepresentable = (name: string): OpenResult => ({
  ok: false,
  status: 404,
  errno: 'ENOENT',
  message: `"${name}" cannot be a file name here (a NUL byte, or bytes that are not UTF-8)`,
});

/** Opens `path` (a byte string) read-only, under `chroot` when it is not "". */
export function openShareFile(path: string, chroot: string, limits: ResolveLimits): OpenResult {
  if (chroot.length === 0) {
    const name = nativePath(path);
    if (name === null) return unrepresentable(path);
    try {
      return { ok: true, fd: openRetrying(OPEN.AT_FDCWD, name, limits), realPath: path };
    } catch (e) {
      return failure(e, `"${name}"`);
    }
  }
  const rest = chrootRest(chroot, path);
  if (rest === null) {
    return { ok: false, status: 403, errno: 'EACCES', message: `"${path}" is not inside the chroot "${chroot}"` };
  }
  const root = nativePath(chroot);
  const name = nativePath(rest);
  if (root === null) return unrepresentable(chroot);
  if (name === null) return unrepresentable(rest);
  let rootFd: number;
  try {
    // The chroot itself is opened as configured, following symlinks. Unit
    // opens it O_PATH (search permission only); the native wrapper adds
    // O_NONBLOCK, which openat2 refuses with O_PATH (EINVAL), so this takes
    // read permission on the chroot directory as well.
    rootFd = openat2(OPEN.AT_FDCWD, root, { directory: true });
  } catch (e) {
    return failure(e, `"${root}"`);
  }
  try {
    return { ok: true, fd: openRetrying(rootFd, name, { ...limits, inRoot: true }), realPath: `${chroot}/${rest}` };
  } catch (e) {
    return failure(e, `"${name}" at "${root}"`);
  } finally {
    closeQuietly(rootFd);
  }
}

/** Closing an fd we own cannot fail in a way worth reporting (EINTR still closes it on Linux). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to release
  }
}
