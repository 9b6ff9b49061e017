// A step's "match" object, compiled into a list of tests that must all
// hold (nxt_http_route_match_create). Each member has Unit's case and
// decoding rules:
//
//   method       pattern uppercased, compared exactly with the method as sent
//   scheme       "http" or "https" (any case), nothing else
//   host         pattern lowercased; the host is lowercased when parsed
//   uri          case-sensitive, pattern percent-decoded, against the normalised path
//   query        case-sensitive, pattern decoded with "+" as space, against the decoded query
//   arguments    names and values like "query", case-sensitive
//   headers      names and values ASCII case-insensitive, nothing decoded
//   cookies      case-sensitive, nothing decoded
//   source/destination   address patterns (address-rule.ts)
//
// "headers", "arguments" and "cookies" take an object (all of its members
// must hold) or an array of objects (any one must hold). A member holds
// when the field is present and every occurrence of it matches: an absent
// header never matches, not even "!x".
//
// Tests run cheapest first; they have no side effects, so the order does
// not change the outcome.
import { compileAddressRule } from './address-rule.js';
import { asciiLower, equalsFolded, toByteString } from './byte-string.js';
import { decodePercent } from './percent.js';
import { describe, pathStep, PatternError, RouteCompileError } from './route-compile-error.js';
import type { RouteRequest } from './route-request.js';
import { CaseRule, combinePatterns, compileStringPattern, Decoding } from './string-pattern.js';
import type { CompiledPattern, StringTest } from './string-pattern.js';
import { compileCondition } from './variables.js';

export type RequestTest = (req: RouteRequest) => boolean;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A pattern string or an array of pattern strings. */
export function compileStringRule(value: unknown, caseRule: CaseRule, decoding: Decoding, path: string): StringTest {
  const one = (text: unknown, at: string): CompiledPattern => {
    if (typeof text !== 'string') throw new RouteCompileError(at, `expected a pattern string, not ${describe(text)}`);
    try {
      return compileStringPattern(text, caseRule, decoding);
    } catch (e) {
      if (e instanceof PatternError) throw new RouteCompileError(at, e.message);
      throw e;
    }
  };
  if (typeof value === 'string') return combinePatterns([one(value, path)]);
  if (!Array.isArray(value)) {
    throw new RouteCompileError(path, `expected a pattern string or an array of them, not ${describe(value)}`);
  }
  return combinePatterns(value.map((v, i) => one(v, pathStep(path, i))));
}

/** Every value under `name` passes, and there is one (arguments and cookies: parallel name and value arrays). */
function everyNamed(table: { names: readonly string[]; values: readonly string[] }, name: string, test: StringTest): boolean {
  const { names, values } = table;
  let seen = false;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== name) continue;
    if (!test(values[i])) return false;
    seen = true;
  }
  return seen;
}

/**
 * A share's "types" (nxt_http_route_types_rule_create): MIME type patterns,
 * ASCII case-insensitive, nothing decoded, with the usual "!" and "~".
 */
export function compileTypesRule(value: unknown, path: string): StringTest {
  return compileStringRule(value, CaseRule.Insensitive, Decoding.None, path);
}

const enum Table {
  Headers,
  Arguments,
  Cookies,
}

function fieldTest(table: Table, name: string, test: StringTest): RequestTest {
  switch (table) {
    case Table.Headers:
      return (req) => {
        const h = req.rawHeaders;
        let seen = false;
        for (let i = 0; i + 1 < h.length; i += 2) {
          if (!equalsFolded(h[i], name)) continue;
          if (!test(h[i + 1])) return false;
          seen = true;
        }
        return seen;
      };
    case Table.Arguments:
      return (req) => everyNamed(req.arguments(), name, test);
    case Table.Cookies:
      return (req) => everyNamed(req.cookies(), name, test);
  }
}

const TABLE_RULES: Record<Table, [CaseRule, Decoding]> = {
  [Table.Headers]: [CaseRule.Insensitive, Decoding.None],
  [Table.Arguments]: [CaseRule.Sensitive, Decoding.UriPlus],
  [Table.Cookies]: [CaseRule.Sensitive, Decoding.None],
};

function fieldName(table: Table, raw: string, path: string): string {
  if (raw.length === 0) throw new RouteCompileError(path, 'a field name must not be empty');
  const bytes = toByteString(raw);
  if (table === Table.Headers) return asciiLower(bytes);
  if (table === Table.Arguments) {
    const decoded = decodePercent(bytes, true);
    if (decoded === null) {
      throw new RouteCompileError(path, `the argument name "${raw}" holds a "%" that is not followed by two hex digits`);
    }
    return decoded;
  }
  return bytes;
}

function compileRuleset(table: Table, value: unknown, path: string): RequestTest {
  if (!isObject(value)) {
    throw new RouteCompileError(path, `expected an object of field patterns, not ${describe(value)}`);
  }
  const [caseRule, decoding] = TABLE_RULES[table];
  const tests = Object.entries(value).map(([raw, patterns]) => {
    const at = pathStep(path, raw);
    const name = fieldName(table, raw, at);
    return fieldTest(table, name, compileStringRule(patterns, caseRule, decoding, at));
  });
  return allOf(tests);
}

function compileTable(table: Table, value: unknown, path: string): RequestTest {
  if (!Array.isArray(value)) return compileRuleset(table, value, path);
  const sets = value.map((v, i) => compileRuleset(table, v, pathStep(path, i)));
  if (sets.length === 0) return () => true;
  if (sets.length === 1) return sets[0];
  return (req) => {
    for (let i = 0; i < sets.length; i++) if (sets[i](req)) return true;
    return false;
  };
}

export function allOf(tests: readonly RequestTest[]): RequestTest {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (req) => a(req) && b(req);
  }
  return (req) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i](req)) return false;
    return true;
  };
}

type MemberCompiler = (value: unknown, path: string) => RequestTest;

// In evaluation order: cheap, always-present fields first.
const MEMBERS: Record<string, MemberCompiler> = {
  scheme: (value, path) => {
    const scheme = typeof value === 'string' ? value.toLowerCase() : null;
    if (scheme !== 'http' && scheme !== 'https') {
      throw new RouteCompileError(path, `"scheme" must be "http" or "https", not ${describe(value)}`);
    }
    const tls = scheme === 'https';
    return (req) => req.tls === tls;
  },
  // One closure per field rather than a shared field accessor: one call
  // less per test on the hot path.
  method: (value, path) => {
    const test = compileStringRule(value, CaseRule.Upper, Decoding.None, path);
    return (req) => test(req.method);
  },
  host: (value, path) => {
    const test = compileStringRule(value, CaseRule.Lower, Decoding.None, path);
    return (req) => test(req.host);
  },
  uri: (value, path) => {
    const test = compileStringRule(value, CaseRule.Sensitive, Decoding.Uri, path);
    return (req) => test(req.path);
  },
  source: (value, path) => {
    const test = compileAddressRule(value, path);
    return (req) => test(req.remoteAddress());
  },
  destination: (value, path) => {
    const test = compileAddressRule(value, path);
    return (req) => test(req.localAddress());
  },
  query: (value, path) => {
    const test = compileStringRule(value, CaseRule.Sensitive, Decoding.UriPlus, path);
    return (req) => test(req.decodedQuery());
  },
  headers: (value, path) => compileTable(Table.Headers, value, path),

  cookies: (value, path) => compileTable(Table.Cookies, value, path),
  arguments: (value, path) => compileTable(Table.Arguments, value, path),
  // Unit's "if": a template, false when it expands to "", "0", "false",
  // "null" or "undefined"; "!" first negates (as access_log's "if").
  // Evaluated last: it may read any variable.
  if: (value, path) => {
    if (typeof value !== 'string') throw new RouteCompileError(path, `"if" must be a string, not ${describe(value)}`);
    if (value.includes('`')) throw new RouteCompileError(path, 'JavaScript expressions (njs templates) in "if" are not supported by Weft');
    const condition = compileCondition(value, path);
    return (req) => req.variables !== undefined && condition(req.variables);
  },
};

/** The "match" object found at `path`; absent means every request matches. */
export function compileMatch(match: unknown, path: string): RequestTest {
  if (match === undefined) return () => true;
  if (!isObject(match)) throw new RouteCompileError(path, `"match" must be an object, not ${describe(match)}`);
  for (const key of Object.keys(match)) {
    if (!Object.hasOwn(MEMBERS, key)) {
      throw new RouteCompileError(pathStep(path, key), `unknown match condition "${key}"`);
    }
  }
  const tests: RequestTest[] = [];
  for (const [key, compile] of Object.entries(MEMBERS)) {
    if (Object.hasOwn(match, key)) tests.push(compile(match[key], pathStep(path, key)));
  }
  return allOf(tests);
}
