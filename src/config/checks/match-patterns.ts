// Match patterns: "~regex" must compile, wildcards must not double up, and
// the URI-side patterns (uri, query, arguments) must percent-decode
// (nxt_conf_vldt_match_pattern, _encoded_pattern).
import { percentDecode } from '../percent.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Problem } from '../problem.js';
import { routePatternError } from '../regex.js';
import type { PatternSets, Patterns } from '../types.js';
import type { Check } from './check.js';
import { actions, matches, strings } from './walk.js';

export function patternError(pattern: string): string | null {
  if (pattern.length === 0) return null;
  const first = pattern.startsWith('!') ? 1 : 0;
  if (pattern[first] === '~') return routePatternError(pattern.slice(first + 1));
  if (pattern.indexOf('**', first) >= 0) return 'The "match" pattern must not contain double "*" markers.';
  return null;
}

function checkPatterns(value: Patterns, path: string, encodedAs?: string): Problem | null {
  for (const { value: pattern, path: at } of strings(value, path)) {
    const error = patternError(pattern);
    if (error) return problem(error, at);
    if (encodedAs !== undefined && percentDecode(pattern) === null) {
      return problem(`The "match" pattern for "${encodedAs}" is encoded but is invalid.`, at);
    }
  }
  return null;
}

function* patternSets(sets: PatternSets, path: string): Generator<[string, Patterns, string]> {
  const list = Array.isArray(sets) ? sets : [sets];
  for (let i = 0; i < list.length; i++) {
    const base = Array.isArray(sets) ? childPointer(path, i) : path;
    for (const [name, patterns] of Object.entries(list[i])) yield [name, patterns, childPointer(base, name)];
  }
}

function checkSets(sets: PatternSets, path: string, encoded: boolean): Problem | null {
  for (const [name, patterns, at] of patternSets(sets, path)) {
    if (encoded && percentDecode(name) === null) {
      return problem('The "match" pattern for "arguments" is encoded but is invalid.', at);
    }
    const found = checkPatterns(patterns, at, encoded ? 'arguments' : undefined);
    if (found) return found;
  }
  return null;
}

export const checkMatchPatterns: Check = (config) => {
  const compression = config.settings?.http?.compression;
  if (compression?.types !== undefined) {
    const found = checkPatterns(compression.types, '/settings/http/compression/types');
    if (found) return found;
  }
  for (const { value: match, path } of matches(config)) {
    const at = (member: string) => childPointer(path, member);
    const found =
      (match.method !== undefined && checkPatterns(match.method, at('method'))) ||
      (match.host !== undefined && checkPatterns(match.host, at('host'))) ||
      (match.uri !== undefined && checkPatterns(match.uri, at('uri'), 'uri')) ||
      (match.query !== undefined && checkPatterns(match.query, at('query'), 'query')) ||
      (match.arguments !== undefined && checkSets(match.arguments, at('arguments'), true)) ||
      (match.headers !== undefined && checkSets(match.headers, at('headers'), false)) ||
      (match.cookies !== undefined && checkSets(match.cookies, at('cookies'), false));
    if (found) return found;
  }
  for (const { value: action, path } of actions(config)) {
    if (action.types === undefined) continue;
    const found = checkPatterns(action.types, childPointer(path, 'types'));
    if (found) return found;
  }
  return null;
};
