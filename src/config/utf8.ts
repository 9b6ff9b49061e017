// Where UTF-8 goes wrong, to point at it: Buffer.isUtf8 only says whether.

/** The offset of the first byte that breaks UTF-8 in buf[from, to). */
export function firstInvalidUtf8(buf: Buffer, from: number, to: number): number {
  let p = from;
  while (p < to) {
    const c = buf[p];
    let need: number;
    let min: number;
    if (c < 0x80) {
      p++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return p;
    }
    let cp = c & (0x3f >> need);
    for (let i = 1; i <= need; i++) {
      const b = buf[p + i];
      if (p + i >= to || (b & 0xc0) !== 0x80) return p;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return p;
    p += need + 1;
  }
  return to;
}
