// The Host header as routes and $host see it (Unit's nxt_http_validate_host):
// ASCII-lowercased, the port cut off (after an IPv6 literal's "]", else at
// the first ":"), one trailing dot removed. A "/" or two dots in a row make
// the request invalid (400), as does a second Host header (the router's
// check). A request without Host has the empty host.

/** The normalised host, or null when Unit would answer 400. */
export function normalizeHost(value: string): string | null {
  let end = value.length;
  let dot = -2;
  let inRest = false;
  let literal = false;
  let upper = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x5d) continue; // above "]": nothing to check
    if (c === 0x2e) {
      if (dot === i - 1) return null;
      dot = i;
    } else if (c === 0x3a) {
      if (!inRest && !literal) {
        end = i;
        inRest = true;
      }
    } else if (c === 0x5b) {
      if (i === 0) literal = true;
    } else if (c === 0x5d) {
      if (literal && !inRest) {
        end = i + 1;
        inRest = true;
      }
    } else if (c === 0x2f) {
      return null;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
    }
  }
  if (dot === end - 1) end--;
  const host = end === value.length ? value : value.slice(0, end);
  return upper ? host.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : host;
}
