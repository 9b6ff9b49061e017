// "~regex" route patterns. Unit compiles them with PCRE; Weft with the
// JavaScript engine, which lacks PCRE's inline option groups. The common
// leading "(?i)" (and "(?m)", "(?s)", combined as "(?is)") is turned into
// flags; anything else PCRE-only is reported as an invalid expression.
// The validator and the router must compile through here to agree.

const LEADING_OPTIONS = /^\(\?([ims]+)\)/;

export function compileRoutePattern(source: string, caseless = false): RegExp {
  let flags = caseless ? 'i' : '';
  let body = source;
  const options = LEADING_OPTIONS.exec(source);
  if (options) {
    for (const f of options[1]) if (!flags.includes(f)) flags += f;
    body = source.slice(options[0].length);
  }
  return new RegExp(body, flags);
}

/** Unit's message for a pattern that does not compile, or null. */
export function routePatternError(source: string): string | null {
  try {
    compileRoutePattern(source);
    return null;
  } catch (e) {
    const message = (e as Error).message;
    // V8: "Invalid regular expression: /(/: Unterminated group"
    const reason = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([\s\S]*)$/.exec(message);
    return `Invalid regular expression: ${reason ? reason[1] : message}`;
  }
}
