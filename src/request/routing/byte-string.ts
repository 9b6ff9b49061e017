// Request data in the router are byte strings: one UTF-16 unit per byte,
// 0-255. That is what Node's HTTP parser hands out (header values are read
// as latin1; it refuses raw non-ASCII in the target), and percent-decoding
// a path yields bytes, not necessarily UTF-8. Configuration text is Unicode,
// so every pattern and literal is turned into its UTF-8 byte string once, at
// compile time; after that, comparisons are byte for byte, as Unit's memcmp.
// Case folding is ASCII-only, as Unit's nxt_memcasecmp: a byte above 0x7F
// is never folded (JavaScript's toLowerCase would fold "À" to "à").

const ASCII = /^[\x00-\x7f]*$/;

/** The UTF-8 encoding of Unicode text, as a byte string. */
export function toByteString(text: string): string {
  return ASCII.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** Byte string to Unicode text, reading the bytes as UTF-8 (for display and logs). */
export function fromByteString(bytes: string): string {
  return ASCII.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The bytes of a byte string, e.g. to open a file named by a decoded path. */
export function byteStringBuffer(bytes: string): Buffer {
  return Buffer.from(bytes, 'latin1');
}

const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;

export function asciiLower(s: string): string {
  return UPPER.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

export function asciiUpper(s: string): string {
  return LOWER.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** Does s, from index at, start with lower (already ASCII-lowercased)? */
export function startsWithFolded(s: string, lower: string, at: number): boolean {
  const n = lower.length;
  if (at + n > s.length) return false;
  for (let i = 0; i < n; i++) {
    if (fold(s.charCodeAt(at + i)) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export function equalsFolded(s: string, lower: string): boolean {
  return s.length === lower.length && startsWithFolded(s, lower, 0);
}

/** First index >= from where lower occurs in s (ASCII case-insensitively), or -1. */
export function indexOfFolded(s: string, lower: string, from: number): number {
  const n = lower.length;
  if (n === 0) return from <= s.length ? from : -1;
  const first = lower.charCodeAt(0);
  const last = s.length - n;
  for (let i = from; i <= last; i++) {
    if (fold(s.charCodeAt(i)) === first && startsWithFolded(s, lower, i)) return i;
  }
  return -1;
}
