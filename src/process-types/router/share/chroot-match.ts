// Where a share path lies inside its chroot (nxt_http_static_chroot_match):
// the chroot must be a leading run of whole segments of the path, where a
// run of "/" on either side matches a run of "/" on the other; what is left
// of the path, without its leading slashes, is opened under the chroot. A
// path that is not inside the chroot, or that names the chroot itself, has
// no such rest: null, which Unit answers like EACCES (403).
const SLASH = 0x2f;

/** The part of `share` below `chroot` (no leading "/"), or null when `share` is not strictly inside it. */
export function chrootRest(chroot: string, share: string): string | null {
  // Past the end of a string reads as 0, the C code's terminating NUL.
  const at = (s: string, i: number): number => (i < s.length ? s.charCodeAt(i) : 0);
  let c = 0;
  let s = 0;
  if (at(chroot, c) !== at(share, s)) return null;
  c++;
  s++;
  for (;;) {
    const sc = at(share, s);
    if (sc === 0) return null;
    const cc = at(chroot, c);
    if (cc === sc) {
      c++;
      s++;
      continue;
    }
    if (cc === 0) break;
    if (cc === SLASH) {
      if (at(chroot, c - 1) === SLASH) {
        c++;
        continue;
      }
    } else if (sc === SLASH && at(share, s - 1) === SLASH) {
      s++;
      continue;
    }
    return null;
  }
  if (at(share, s - 1) !== SLASH && at(share, s) !== SLASH) return null;
  while (at(share, s) === SLASH) s++;
  return s < share.length ? share.slice(s) : null;
}
