// "source" and "destination": a pattern or an array of patterns, read by the
// same parser as the validator's (src/config/address-pattern.ts, Unit's
// rules), then turned into integer bounds. Unit's array rule: a negated
// pattern that covers the address rejects it; otherwise any positive
// pattern that covers it accepts it; with only negated patterns, an address
// none of them covers is accepted; an empty array matches nothing. A unix
// socket client matches "unix" only; "*:port" and CIDR "/0" are IP-only.
import { parseAddressPattern } from '../../config/address-pattern.js';
import type { AddressPatternError } from '../../config/address-pattern.js';
import { Family, PeerAddress } from './peer-address.js';
import { describe, pathStep, PatternError, RouteCompileError } from './route-compile-error.js';

const enum Kind {
  Any,
  Unix,
  V4,
  V6,
}

class AddressPatternMatcher {
  constructor(
    readonly negative: boolean,
    readonly kind: Kind,
    readonly start: readonly number[],
    readonly end: readonly number[],
    readonly portStart: number,
    readonly portEnd: number,
  ) {}

  /** Does the pattern cover the address (before negation)? */
  covers(a: PeerAddress): boolean {
    switch (this.kind) {
      case Kind.Unix:
        return a.family === Family.Unix;
      case Kind.Any:
        return (a.family === Family.V4 || a.family === Family.V6) && a.port >= this.portStart && a.port <= this.portEnd;
      case Kind.V4:
        return a.family === Family.V4 && a.port >= this.portStart && a.port <= this.portEnd && a.w0 >= this.start[0] && a.w0 <= this.end[0];
      case Kind.V6:
        return (
          a.family === Family.V6 &&
          a.port >= this.portStart &&
          a.port <= this.portEnd &&
          compareV6(a, this.start) >= 0 &&
          compareV6(a, this.end) <= 0
        );
    }
  }
}

function compareV6(a: PeerAddress, w: readonly number[]): number {
  if (a.w0 !== w[0]) return a.w0 < w[0] ? -1 : 1;
  if (a.w1 !== w[1]) return a.w1 < w[1] ? -1 : 1;
  if (a.w2 !== w[2]) return a.w2 < w[2] ? -1 : 1;
  if (a.w3 !== w[3]) return a.w3 < w[3] ? -1 : 1;
  return 0;
}

function words(value: bigint, count: number): number[] {
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(Number((value >> BigInt(32 * i)) & 0xffffffffn));
  return out;
}

const REASONS: Record<AddressPatternError, string> = {
  length: 'is too short to be an address pattern',
  format: 'is not an address, range or CIDR block (IPv6 with a port is written "[::1]:80")',
  range: 'is a range whose first address is above its last',
  cidr: 'has a CIDR prefix length out of range (0-32 for IPv4, 0-128 for IPv6)',
  port: 'has an invalid port or port range (0-65535, first <= last)',
};

export function compileAddressPattern(text: unknown): AddressPatternMatcher {
  if (typeof text !== 'string') throw new PatternError(`expected an address pattern string, not ${describe(text)}`);
  const parsed = parseAddressPattern(text);
  if (!parsed.ok) throw new PatternError(`the address pattern "${text}" ${REASONS[parsed.error]}`);
  const p = parsed.pattern;
  const [portStart, portEnd] = p.ports;
  switch (p.family) {
    case 'unix':
      return new AddressPatternMatcher(p.negative, Kind.Unix, [], [], 0, 65535);
    case 'any':
      return new AddressPatternMatcher(p.negative, Kind.Any, [], [], portStart, portEnd);
    case 'inet':
      return new AddressPatternMatcher(p.negative, Kind.V4, words(p.start!, 1), words(p.end!, 1), portStart, portEnd);
    case 'inet6':
      return new AddressPatternMatcher(p.negative, Kind.V6, words(p.start!, 4), words(p.end!, 4), portStart, portEnd);
  }
}

export type AddressTest = (address: PeerAddress) => boolean;

/** A "source" or "destination" value found at `path`. */
export function compileAddressRule(value: unknown, path: string): AddressTest {
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw new RouteCompileError(path, `expected an address pattern or an array of them, not ${describe(value)}`);
  }
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const negatives: AddressPatternMatcher[] = [];
  const positives: AddressPatternMatcher[] = [];
  list.forEach((item, i) => {
    const itemPath = Array.isArray(value) ? pathStep(path, i) : path;
    try {
      const m = compileAddressPattern(item);
      (m.negative ? negatives : positives).push(m);
    } catch (e) {
      if (e instanceof PatternError) throw new RouteCompileError(itemPath, e.message);
      throw e;
    }
  });
  if (list.length === 0) return () => false;
  if (negatives.length === 0 && positives.length === 1) {
    const only = positives[0];
    return (a) => only.covers(a);
  }
  if (negatives.length === 1 && positives.length === 0) {
    const only = negatives[0];
    return (a) => !only.covers(a);
  }
  return (a) => {
    for (let i = 0; i < negatives.length; i++) if (negatives[i].covers(a)) return false;
    if (positives.length === 0) return true;
    for (let i = 0; i < positives.length; i++) if (positives[i].covers(a)) return true;
    return false;
  };
}
