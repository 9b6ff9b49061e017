// A socket address in the form route matching compares fastest: IPv4 as one
// unsigned 32-bit number, IPv6 as four unsigned 32-bit words (most
// significant first), so a range or CIDR test is a few integer comparisons
// and no allocation. Built once per request, and only when a route looks at
// "source" or "destination".

export const enum Family {
  /** Not an address Weft can read; matches no address pattern. */
  Unknown = 0,
  Unix = 1,
  V4 = 4,
  V6 = 6,
}

export class PeerAddress {
  constructor(
    readonly family: Family,
    /** IPv4 address, or the first word of an IPv6 one. */
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    readonly port: number,
  ) {}

  static readonly unix = new PeerAddress(Family.Unix, 0, 0, 0, 0, 0);
  static readonly unknown = new PeerAddress(Family.Unknown, 0, 0, 0, 0, 0);

  /**
   * From what Node reports (`socket.remoteAddress`, `remotePort`). An
   * IPv4-mapped IPv6 address ("::ffff:10.0.0.1", what a dual-stack socket
   * reports for an IPv4 client) is the IPv4 client it stands for: Unit never
   * sees one (its IPv6 listeners are IPV6_V6ONLY), so its patterns are
   * written for the IPv4 address. A zone ("%eth0") is ignored.
   */
  static parse(address: string, port: number): PeerAddress {
    const v4 = parseIPv4(address, 0, address.length);
    if (v4 >= 0) return new PeerAddress(Family.V4, v4, 0, 0, 0, port);
    const zone = address.indexOf('%');
    const words = parseIPv6(address, 0, zone < 0 ? address.length : zone);
    if (words === null) return PeerAddress.unknown;
    if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
      return new PeerAddress(Family.V4, words[3], 0, 0, 0, port);
    }
    return new PeerAddress(Family.V6, words[0], words[1], words[2], words[3], port);
  }
}

/** Dotted quad in text[start, end) as an unsigned number, or -1. Octets are decimal, 1-3 digits. */
export function parseIPv4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * IPv6 text in text[start, end) as four 32-bit words, or null. Accepts "::"
 * and a trailing dotted quad ("::ffff:1.2.3.4").
 */
export function parseIPv6(text: string, start: number, end: number): [number, number, number, number] | null {
  const groups: number[] = [];
  let gap = -1;
  let i = start;
  if (end - start >= 2 && text.charCodeAt(i) === 0x3a && text.charCodeAt(i + 1) === 0x3a) {
    gap = 0;
    i += 2;
  } else if (text.charCodeAt(i) === 0x3a) {
    return null;
  }
  while (i < end) {
    // A dotted quad takes the last two groups.
    let j = i;
    while (j < end && text.charCodeAt(j) !== 0x3a) j++;
    if (j === end && text.indexOf('.', i) >= 0 && text.indexOf('.', i) < end) {
      const v4 = parseIPv4(text, i, end);
      if (v4 < 0 || groups.length > 6) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return null;
    let group = 0;
    for (let k = i; k < j; k++) {
      const h = hex(text.charCodeAt(k));
      if (h < 0) return null;
      group = group * 16 + h;
    }
    groups.push(group);
    if (groups.length > 8) return null;
    if (j === end) {
      i = end;
    } else if (j + 1 < end && text.charCodeAt(j + 1) === 0x3a) {
      if (gap >= 0) return null;
      gap = groups.length;
      i = j + 2;
    } else {
      if (j + 1 === end) return null; // a trailing single ":"
      i = j + 1;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return null;
  const zeros = new Array<number>(8 - groups.length).fill(0);
  const full = gap < 0 ? groups : [...groups.slice(0, gap), ...zeros, ...groups.slice(gap)];
  return [full[0] * 65536 + full[1], full[2] * 65536 + full[3], full[4] * 65536 + full[5], full[6] * 65536 + full[7]];
}
