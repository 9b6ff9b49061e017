// Strict percent-decoding of configured patterns (Unit's nxt_decode_uri and
// nxt_decode_uri_plus): every "%" must be followed by two hex digits, and
// with `plus` a "+" is a space. Input and output are byte strings. Request
// data are decoded elsewhere, by rules of their own (request-target.ts,
// request-arguments.ts).

export function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** The decoded byte string, or null when a "%" is not followed by two hex digits. */
export function decodePercent(bytes: string, plus: boolean): string | null {
  if (!bytes.includes('%') && !(plus && bytes.includes('+'))) return bytes;
  let out = '';
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < bytes.length ? hexValue(bytes.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexValue(bytes.charCodeAt(i + 2)) : -1;
      if (lo < 0) return null;
      out += bytes.slice(run, i) + String.fromCharCode(hi * 16 + lo);
      i += 2;
      run = i + 1;
    } else if (plus && c === 0x2b) {
      out += bytes.slice(run, i) + ' ';
      run = i + 1;
    }
  }
  return out + bytes.slice(run);
}
