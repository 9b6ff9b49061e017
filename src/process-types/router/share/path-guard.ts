// Beyond Unit: without a chroot, a ".." segment that a variable put into
// the path ("/www/$arg_file" with ?file=../../etc/passwd) would walk out of
// the share, and Unit opens it. The router's $uri never holds one (it is
// normalised), but other variables carry whatever the client sent. Weft
// refuses such a path like a forbidden one (403). A share whose configured
// text itself holds ".." is the administrator's choice and is left alone.

/** Does the path hold a ".." segment? */
export function climbs(path: string): boolean {
  let at = path.indexOf('..');
  while (at >= 0) {
    const before = at === 0 || path.charCodeAt(at - 1) === 0x2f;
    const after = at + 2 === path.length || path.charCodeAt(at + 2) === 0x2f;
    if (before && after) return true;
    at = path.indexOf('..', at + 1);
  }
  return false;
}
