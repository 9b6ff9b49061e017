// The details of Unit's "Invalid JSON." answers, word for word (nxt_conf.c),
// plus the one limit Weft adds (nesting depth). Two spaces after a period,
// as Unit writes them.

export const JSON_MESSAGES = {
  empty:
    'An empty JSON payload isn\'t allowed.  It must be either a literal (null, true, or false), a number, a string (in double quotes ""), an array (with brackets []), or an object (with braces {}).',
  value:
    'A valid JSON value is expected here.  It must be either a literal (null, true, or false), a number, a string (in double quotes ""), an array (with brackets []), or an object (with braces {}).',
  trailing: 'Unexpected character after the end of a valid JSON value.',
  objectEnd: "Unexpected end of JSON payload.  There's an object without a closing brace (}).",
  memberName:
    'A double quote (") is expected here.  There must be a valid JSON object member starts with a name, which is a string enclosed in double quotes.',
  duplicate: 'Duplicate object member.  All JSON object members must have unique names.',
  memberEnd: "Unexpected end of JSON payload.  There's an object member without a value.",
  colon: 'A colon (:) is expected here.  There must be a colon after a JSON member name.',
  objectSeparator:
    'Either a closing brace (}) or a comma (,) is expected here.  Each JSON object must be enclosed in braces and its members must be separated by commas.',
  arrayEnd: "Unexpected end of JSON payload.  There's an array without a closing bracket (]).",
  arraySeparator:
    'Either a closing bracket (]) or a comma (,) is expected here.  Each array must be enclosed in brackets and its members must be separated by commas.',
  control: 'Unexpected character.  All control characters in a JSON string must be escaped.',
  backslash: 'Unexpected backslash.  A literal backslash in a JSON string must be escaped with a second backslash (\\\\).',
  escape:
    'Invalid escape sequence.  An escape sequence in a JSON string must start with a backslash, followed by the lowercase letter u, followed by four hexadecimal digits (\\uXXXX).',
  stringEnd: 'Unexpected end of JSON payload.  There\'s a string without a final double quote (").',
  loneSurrogate: 'Invalid JSON encoding sequence.  This 6-byte sequence does not represent a valid UTF character.',
  badPair: 'Invalid JSON encoding sequence.  This 12-byte sequence composes an illegal UTF-16 surrogate pair.',
  utf8: 'Invalid UTF-8 sequence.  JSON text must be encoded in UTF-8.',
  fraction: 'The number is invalid.  A fraction part in JSON numbers must contain at least one digit.',
  leadingZero: 'The number is invalid.  Leading zeros are not allowed in JSON numbers.',
  exponent: 'The number is invalid.  An exponent part in JSON numbers must contain at least one digit.',
  numberLength: 'The number is too long.  Such a long JSON number value is not supported.',
  numberRange: 'The number is out of representable range.  Such JSON number value is not supported.',
  depth: 'The JSON value is nested too deeply.  Arrays and objects may be nested at most {max} levels deep.',
} as const;
