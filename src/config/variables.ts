// Unit's variables ($uri, ${host}, $arg_name, ...) as they appear in
// strings of the configuration: which names exist, and how a string splits
// into literal text and variables. The router compiles the parts into an
// evaluator; the validator uses the same parse to reject unknown names.

/** Variables with fixed names. */
export const VARIABLES = [
  'body_bytes_sent',
  'dollar',
  'host',
  'method',
  'remote_addr',
  'request_id',
  'request_line',
  'request_time',
  'request_uri',
  'status',
  'time_local',
  'uri',
] as const;

/** Families of variables: the prefix, then a name chosen by the user. */
export const VARIABLE_PREFIXES = ['arg_', 'cookie_', 'header_', 'response_header_'] as const;

const FIXED = new Set<string>(VARIABLES);

export function isKnownVariable(name: string): boolean {
  if (FIXED.has(name)) return true;
  return VARIABLE_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length);
}

export type TemplatePart = string | { variable: string };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * Splits "/$host${uri}x" into ["/", {variable: "host"}, {variable: "uri"}, "x"].
 * As Unit's nxt_var_next_part: a name is letters and "_" only (so "$arg_v2"
 * is $arg_v followed by "2"), "${name}" delimits it; "$" with no name, or a
 * "{" without its "}", is "Invalid variable at position N" (N counts bytes).
 * Throws TemplateError with Unit's wording.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      literal += c;
      continue;
    }
    const position = Buffer.byteLength(text.slice(0, i));
    const bracket = text[i + 1] === '{';
    let j = i + (bracket ? 2 : 1);
    const start = j;
    while (isNameChar(text[j])) j++;
    const name = text.slice(start, j);
    if (bracket) {
      if (text[j] !== '}') throw new TemplateError(`Invalid variable at position ${position}`);
      j++;
    }
    if (name.length === 0) throw new TemplateError(`Invalid variable at position ${position}`);
    if (!isKnownVariable(name)) throw new TemplateError(`Unknown variable "${name}"`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ variable: name });
    i = j - 1;
  }
  if (literal) parts.push(literal);
  return parts;
}

export function hasVariables(text: string): boolean {
  return text.includes('$');
}
