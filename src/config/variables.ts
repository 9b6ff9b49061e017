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
 * A name is letters, digits and "_"; "${name}" delimits it from what follows.
 * Throws TemplateError with Unit's wording for a malformed or unknown name.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      literal += c;
      continue;
    }
    let name: string;
    if (text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new TemplateError(`Missing "}" after "${text.slice(i)}".`);
      name = text.slice(i + 2, end);
      i = end;
    } else {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      name = text.slice(i + 1, j);
      i = j - 1;
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new TemplateError(`Invalid variable name "${name}".`);
    if (!isKnownVariable(name)) throw new TemplateError(`Unknown variable "${name}".`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ variable: name });
  }
  if (literal) parts.push(literal);
  return parts;
}

export function hasVariables(text: string): boolean {
  return text.includes('$');
}
