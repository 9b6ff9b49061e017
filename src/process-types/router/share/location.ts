// The Location of the redirect from a directory to its slash form: the
// request path percent-encoded as nxt_encode_uri does it, a "/", then the
// query when there is one. The path is a byte string (decoded), so every
// byte outside printable ASCII, and the ASCII that would change the
// meaning of a URI (space " # % < > ? \ ^ ` { | } DEL), is escaped.
const ESCAPE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b < 0x21 || b >= 0x7f) ESCAPE[b] = 1;
}
for (const c of ' "#%<>?\\^`{|}') ESCAPE[c.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';

export function encodeUri(bytes: string): string {
  let i = 0;
  while (i < bytes.length && !ESCAPE[bytes.charCodeAt(i) & 0xff]) i++;
  if (i === bytes.length) return bytes;
  let out = bytes.slice(0, i);
  for (; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i) & 0xff;
    out += ESCAPE[b] ? `%${HEX[b >> 4]}${HEX[b & 0xf]}` : bytes[i];
  }
  return out;
}

export function directoryLocation(path: string, query: string): string {
  const location = `${encodeUri(path)}/`;
  return query.length > 0 ? `${location}?${query}` : location;
}
