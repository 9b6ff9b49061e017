// Percent-decoding as Unit does it (nxt_decode_uri): "%" must be followed by
// two hex digits, "+" stays "+", and the bytes are read as UTF-8. Used for
// "pass" segments, control API paths and URI-matching patterns.

const HEX = /^[0-9A-Fa-f]{2}$/;

/** The decoded text, or null when a "%" is not followed by two hex digits. */
export function percentDecode(text: string): string | null {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = raw.toString('latin1', i + 1, i + 3);
    if (!HEX.test(hex)) return null;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}
