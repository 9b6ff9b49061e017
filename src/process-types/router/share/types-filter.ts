// The "types" option: patterns over the file's MIME type, with the rules of
// route patterns (exact, "*" wildcards, "~regex", "!" negation; an array is
// true when no negation matches and some positive pattern does), compared
// without ASCII case and without percent-decoding, as Unit compiles them
// (nxt_http_route_types_rule_create: case-insensitive, lowercased pattern).
import { CaseRule, combinePatterns, compileStringPattern, Decoding, type StringTest } from '../../../request/routing/string-pattern.js';
import { PatternError, RouteCompileError, pathStep } from '../../../request/routing/route-compile-error.js';

export function compileTypesFilter(types: string | string[], path: string): StringTest {
  const list = typeof types === 'string' ? [types] : types;
  const compiled = list.map((text, i) => {
    try {
      return compileStringPattern(text, CaseRule.Insensitive, Decoding.None);
    } catch (e) {
      if (e instanceof PatternError) {
        throw new RouteCompileError(typeof types === 'string' ? path : pathStep(path, i), e.message, { cause: e });
      }
      throw e;
    }
  });
  return combinePatterns(compiled);
}
