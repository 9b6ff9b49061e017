// Address patterns of "source", "destination" and "forwarded.source", read
// as Unit reads them (nxt_http_route_addr_pattern_parse): "!"-negation,
// "unix", "*:port", IPv4 or IPv6 addresses, ranges "a-b", CIDR "a/n", and
// an optional port or port range (IPv6 with a port needs brackets). The
// router matches with the result; the validator reports the error kind.
//
// Two of Unit's quirks are not kept: "255.255.255.255" is an address (Unit
// confuses it with INADDR_NONE), and "garbage/24" is an error (Unit masks
// the failure away).

export type AddressPatternError = 'length' | 'format' | 'range' | 'cidr' | 'port';

export interface AddressPattern {
  negative: boolean;
  /** "any": any address of any family (with the port range); "unix": unix-socket clients. */
  family: 'any' | 'inet' | 'inet6' | 'unix';
  /** Inclusive address range; absent for "any" and "unix". */
  start?: bigint;
  end?: bigint;
  /** Inclusive port range. */
  ports: [number, number];
}

export type AddressPatternResult = { ok: true; pattern: AddressPattern } | { ok: false; error: AddressPatternError };

/** nxt_int_parse: decimal digits only; -1 otherwise. */
function intParse(text: string): number {
  return /^\d+$/.test(text) && text.length < 16 ? Number(text) : -1;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

// Unit caps each colon-separated group at 4 characters, which also rules out
// an embedded dotted quad ("::ffff:1.2.3.4").
function parseIpv6(text: string): bigint | null {
  if (!/^[0-9A-Fa-f:]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): string[] | null => {
    if (half === '') return [];
    const groups = half.split(':');
    return groups.every((g) => g.length >= 1 && g.length <= 4) ? groups : null;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function parsePorts(port: string | undefined): [number, number] | AddressPatternError {
  if (port === undefined) return [0, 65535];
  if (port.length === 0) return 'format';
  // The last character cannot start a range ("80-" is one bad port).
  const dash = port.slice(0, -1).indexOf('-');
  if (dash >= 0) {
    const first = intParse(port.slice(0, dash));
    if (first < 0 || first > 65535) return 'port';
    const last = intParse(port.slice(dash + 1));
    if (last < first || last > 65535) return 'port';
    return [first, last];
  }
  const single = intParse(port);
  if (single < 0 || single > 65535) return 'port';
  return [single, single];
}

function withPorts(base: Omit<AddressPattern, 'ports'>, port: string | undefined): AddressPatternResult {
  const ports = parsePorts(port);
  if (typeof ports === 'string') return { ok: false, error: ports };
  return { ok: true, pattern: { ...base, ports } };
}

// An address, a range "a-b" or a CIDR block "a/n" of one family.
function parseBlock(
  text: string,
  parse: (text: string) => bigint | null,
  bits: bigint,
): { start: bigint; end: bigint } | AddressPatternError {
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const start = parse(text.slice(0, dash));
    const end = parse(text.slice(dash + 1));
    if (start === null || end === null) return 'format';
    if (start > end) return 'range';
    return { start, end };
  }
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const prefix = intParse(text.slice(slash + 1));
    if (prefix < 0 || BigInt(prefix) > bits) return 'cidr';
    const address = parse(text.slice(0, slash));
    if (address === null) return 'format';
    const hostBits = bits - BigInt(prefix);
    const mask = ((1n << bits) - 1n) ^ ((1n << hostBits) - 1n);
    const start = address & mask;
    return { start, end: start | ((1n << hostBits) - 1n) };
  }
  const address = parse(text);
  return address === null ? 'format' : { start: address, end: address };
}

export function parseAddressPattern(text: string): AddressPatternResult {
  const negative = text.startsWith('!');
  const body = negative ? text.slice(1) : text;
  if (body === 'unix') return { ok: true, pattern: { negative, family: 'unix', ports: [0, 65535] } };
  if (body.length < 2) return { ok: false, error: 'length' };
  if (body.startsWith('*:')) return withPorts({ negative, family: 'any' }, body.slice(2));

  const firstColon = body.indexOf(':');
  if (firstColon >= 0 && body.indexOf(':', firstColon + 1) >= 0) {
    let address = body;
    let port: string | undefined;
    if (body.startsWith('[')) {
      const close = body.lastIndexOf(']:');
      if (close < 0) return { ok: false, error: 'format' };
      address = body.slice(1, close);
      port = body.slice(close + 2);
    }
    const block = parseBlock(address, parseIpv6, 128n);
    if (typeof block === 'string') return { ok: false, error: block };
    return withPorts({ negative, family: 'inet6', ...block }, port);
  }

  const address = firstColon >= 0 ? body.slice(0, firstColon) : body;
  const port = firstColon >= 0 ? body.slice(firstColon + 1) : undefined;
  const block = parseBlock(address, parseIpv4, 32n);
  if (typeof block === 'string') return { ok: false, error: block };
  return withPorts({ negative, family: 'inet', ...block }, port);
}
