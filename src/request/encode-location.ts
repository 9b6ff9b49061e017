// A "return" action's Location as Unit sends it (nxt_http_return_encode):
// a value that is already a well-formed URI goes out as it is; any other is
// percent-encoded byte by byte, except the first "?" (the query starts) and
// the first "#" (the fragment starts). So a second "?" becomes %3F, and in
// the fragment both "#" and "?" are encoded: "/##foo?bar" is sent as
// "/#%23foo%3Fbar". The same rule applies to a value built from variables,
// when the request is answered. Input and output are byte strings.

/** The bytes Unit escapes in a URI (nxt_uri_escape): controls, space " # % < > ? \ ^ ` { | } DEL, non-ASCII. */
const ESCAPE = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (b < 0x21 || b >= 0x7f) ESCAPE[b] = 1;
for (const c of ' "#%<>?\\^`{|}') ESCAPE[c.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';
const QUESTION = 0x3f;
const HASH = 0x23;
const PERCENT = 0x25;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x57;
  return 16;
}

/**
 * Which of "?" and "#" may still pass unencoded (nxt_encode_complex_uri's
 * "reserved" cursor): before either, both; after "?", only "#"; after "#", none.
 */
const enum Reserved {
  Both,
  Hash,
  None,
}

function passes(c: number, state: Reserved): Reserved | -1 {
  if (c === QUESTION && state === Reserved.Both) return Reserved.Hash;
  if (c === HASH && state !== Reserved.None) return Reserved.None;
  return -1;
}

/** nxt_is_complex_uri_encoded: only valid %XX escapes and the reserved "?" and "#" among the escapable bytes. */
export function isComplexUriEncoded(s: string): boolean {
  let state = Reserved.Both;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (!ESCAPE[c]) continue;
    if (c === PERCENT) {
      if (i + 2 >= s.length) return false;
      if ((hexValue(s.charCodeAt(i + 1)) | hexValue(s.charCodeAt(i + 2))) >= 16) return false;
      i += 2;
      continue;
    }
    const next = passes(c, state);
    if (next === -1) return false;
    state = next;
  }
  return true;
}

/** nxt_encode_complex_uri: every escapable byte as %XX but the first "?" and the first "#". */
export function encodeComplexUri(s: string): string {
  let state = Reserved.Both;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (ESCAPE[c]) {
      const next = passes(c, state);
      if (next === -1) {
        out += `%${HEX[c >> 4]}${HEX[c & 0xf]}`;
        continue;
      }
      state = next;
    }
    out += s[i];
  }
  return out;
}

/** The Location header's value for a "return" action's "location". */
export function encodeLocation(s: string): string {
  return isComplexUriEncoded(s) ? s : encodeComplexUri(s);
}
