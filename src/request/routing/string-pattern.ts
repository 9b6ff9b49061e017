// One string pattern of a match condition, compiled to the cheapest test
// that decides it (nxt_http_route_pattern_create): an exact comparison, a
// prefix, a suffix, a substring, prefix and suffix, or the general form
// (prefix, then the middle pieces left to right, then the suffix, with a
// length check first), all without a regular expression. A leading "!"
// negates; "~" starts a regular expression, compiled as written (no
// decoding, no case change). The pieces between "*"s are percent-decoded
// one by one for "uri", "query" and "arguments", so "%2A" is a literal "*"
// and "%21" a literal "!".
import { compileRoutePattern } from '../../config/regex.js';
import { asciiLower, asciiUpper, equalsFolded, indexOfFolded, startsWithFolded, toByteString } from './byte-string.js';
import { decodePercent } from './percent.js';
import { PatternError } from './route-compile-error.js';

export const enum CaseRule {
  /** Byte for byte ("uri", "query", "arguments", "cookies"). */
  Sensitive,
  /** Pattern lowercased, value compared as is: "host" (the host is lowercased when parsed). */
  Lower,
  /** Pattern uppercased, value compared as is: "method", so "get" matches "GET" but not a "get" request. */
  Upper,
  /** ASCII case-insensitive: header values. */
  Insensitive,
}

export const enum Decoding {
  None,
  /** "%XX" (nxt_decode_uri): "uri". */
  Uri,
  /** "%XX" and "+" as space (nxt_decode_uri_plus): "query" and "arguments". */
  UriPlus,
}

export type StringTest = (value: string) => boolean;

export interface CompiledPattern {
  readonly negative: boolean;
  readonly test: StringTest;
}

const always: StringTest = () => true;

function compileRegex(source: string, original: string): StringTest {
  let re: RegExp;
  try {
    re = compileRoutePattern(source);
  } catch (e) {
    const message = (e as Error).message;
    const reason = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([\s\S]*)$/.exec(message);
    throw new PatternError(`"${original}" is not a valid regular expression: ${reason ? reason[1] : message}`);
  }
  return (v) => re.test(v);
}

function sensitive(pieces: string[]): StringTest {
  const n = pieces.length;
  if (n === 1) {
    const exact = pieces[0];
    return (v) => v === exact;
  }
  const prefix = pieces[0];
  const suffix = pieces[n - 1];
  const middle = pieces.slice(1, n - 1).filter((p) => p.length > 0);
  const min = prefix.length + suffix.length + middle.reduce((s, p) => s + p.length, 0);
  if (middle.length === 0) {
    if (prefix === '' && suffix === '') return always;
    if (suffix === '') return (v) => v.startsWith(prefix);
    if (prefix === '') return (v) => v.endsWith(suffix);
    return (v) => v.length >= min && v.startsWith(prefix) && v.endsWith(suffix);
  }
  if (prefix === '' && suffix === '' && middle.length === 1) {
    const inner = middle[0];
    return (v) => v.includes(inner);
  }
  return (v) => {
    if (v.length < min || !v.startsWith(prefix) || !v.endsWith(suffix)) return false;
    const end = v.length - suffix.length;
    let at = prefix.length;
    for (let i = 0; i < middle.length; i++) {
      const found = v.indexOf(middle[i], at);
      // The leftmost occurrence ends first; if it overruns the suffix, all do.
      if (found < 0 || found + middle[i].length > end) return false;
      at = found + middle[i].length;
    }
    return true;
  };
}

type Finder = (v: string, from: number) => number;

const ASCII = /^[\x00-\x7f]*$/;

// Substring search without case. For an ASCII piece a case-insensitive
// RegExp on the literal is exact (a byte above 0x7F never folds onto
// ASCII) and V8 searches it far faster than a loop in JavaScript; each piece
// is searched on its own, from where the previous one ended, so there is no
// backtracking across pieces whatever the value.
function finderFolded(lower: string): Finder {
  if (!ASCII.test(lower)) return (v, from) => indexOfFolded(v, lower, from);
  const re = new RegExp(lower.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gi');
  return (v, from) => {
    re.lastIndex = from;
    return re.test(v) ? re.lastIndex - lower.length : -1;
  };
}

function insensitive(pieces: string[]): StringTest {
  const n = pieces.length;
  if (n === 1) {
    const exact = pieces[0];
    return (v) => equalsFolded(v, exact);
  }
  const prefix = pieces[0];
  const suffix = pieces[n - 1];
  const middle = pieces.slice(1, n - 1).filter((p) => p.length > 0);
  const min = prefix.length + suffix.length + middle.reduce((s, p) => s + p.length, 0);
  if (middle.length === 0) {
    if (prefix === '' && suffix === '') return always;
    if (suffix === '') return (v) => startsWithFolded(v, prefix, 0);
    return (v) => v.length >= min && startsWithFolded(v, prefix, 0) && startsWithFolded(v, suffix, v.length - suffix.length);
  }
  const finders = middle.map(finderFolded);
  if (prefix === '' && suffix === '' && middle.length === 1) {
    const find = finders[0];
    return (v) => find(v, 0) >= 0;
  }
  return (v) => {
    if (v.length < min || !startsWithFolded(v, prefix, 0)) return false;
    if (!startsWithFolded(v, suffix, v.length - suffix.length)) return false;
    const end = v.length - suffix.length;
    let at = prefix.length;
    for (let i = 0; i < middle.length; i++) {
      const found = finders[i](v, at);
      if (found < 0 || found + middle[i].length > end) return false;
      at = found + middle[i].length;
    }
    return true;
  };
}

/** Compiles one pattern string from the configuration (Unicode text). */
export function compileStringPattern(text: string, caseRule: CaseRule, decoding: Decoding): CompiledPattern {
  const bytes = toByteString(text);
  const negative = bytes.charCodeAt(0) === 0x21;
  const body = negative ? bytes.slice(1) : bytes;
  if (body.charCodeAt(0) === 0x7e) return { negative, test: compileRegex(body.slice(1), text.slice(negative ? 2 : 1)) };
  if (body.includes('**')) {
    throw new PatternError(`"${text}" holds "**"; a pattern must not contain double "*" markers`);
  }
  const pieces = body.split('*').map((piece) => {
    let p = piece;
    if (decoding !== Decoding.None) {
      const decoded = decodePercent(p, decoding === Decoding.UriPlus);
      if (decoded === null) throw new PatternError(`"${text}" holds a "%" that is not followed by two hex digits`);
      p = decoded;
    }
    if (caseRule === CaseRule.Lower || caseRule === CaseRule.Insensitive) return asciiLower(p);
    if (caseRule === CaseRule.Upper) return asciiUpper(p);
    return p;
  });
  return { negative, test: caseRule === CaseRule.Insensitive ? insensitive(pieces) : sensitive(pieces) };
}

/**
 * A pattern or an array of patterns (nxt_http_route_test_rule): false if
 * any negated pattern matches; else true if any positive one matches; with
 * no positive pattern (only negations, or an empty array), true.
 */
export function combinePatterns(patterns: readonly CompiledPattern[]): StringTest {
  const negatives = patterns.filter((p) => p.negative).map((p) => p.test);
  const positives = patterns.filter((p) => !p.negative).map((p) => p.test);
  if (negatives.length === 0) {
    if (positives.length === 0) return always;
    if (positives.length === 1) return positives[0];
  }
  if (positives.length === 0 && negatives.length === 1) {
    const only = negatives[0];
    return (v) => !only(v);
  }
  return (v) => {
    for (let i = 0; i < negatives.length; i++) if (negatives[i](v)) return false;
    if (positives.length === 0) return true;
    for (let i = 0; i < positives.length; i++) if (positives[i](v)) return true;
    return false;
  };
}
