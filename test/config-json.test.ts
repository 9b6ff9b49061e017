import test from 'ava';

import { parseJson } from '../src/config/json.js';
import type { JsonParseOptions } from '../src/config/json.js';

const MSG = {
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
  depth: 'The JSON value is nested too deeply.  Arrays and objects may be nested at most 1000 levels deep.',
};

function fails(input: string | Buffer, detail: string, offset: number, line: number, column: number, options?: JsonParseOptions) {
  return (t: import('ava').ExecutionContext) => {
    t.deepEqual(parseJson(input, options), { ok: false, detail, location: { offset, line, column } });
  };
}

// Every error Unit's parser reports, at the position Unit reports it.
const ERRORS: Array<[string, string, string, number]> = [
  ['empty input', '', MSG.empty, 0],
  ['only whitespace', ' \t\r\n ', MSG.empty, 0],
  ['bare word', 'config', MSG.value, 0],
  ['NaN', '[NaN]', MSG.value, 1],
  ['Infinity', '{"a": Infinity}', MSG.value, 6],
  ['single quotes', "{'a': 1}", MSG.memberName, 1],
  ['truncated literal', 'tru', MSG.value, 0],
  ['misspelt null', '[nil]', MSG.value, 1],
  ['lone minus', '-', MSG.value, 0],
  ['minus before a letter', '[-a]', MSG.value, 1],
  ['number followed by a letter', '[12x]', MSG.value, 1],
  ['second decimal point', '1.2.3', MSG.value, 0],
  ['value after the document', '{} []', MSG.trailing, 3],
  ['garbage after a literal', 'truex', MSG.trailing, 4],
  ['unclosed object', '{"a": 1', MSG.objectEnd, 7],
  ['unclosed empty object', '{', MSG.objectEnd, 1],
  ['object member name not a string', '{a: 1}', MSG.memberName, 1],
  ['trailing comma in an object', '{"a": 1,}', MSG.memberName, 8],
  ['duplicate member', '{"a": 1, "b": 2, "a": 3}', MSG.duplicate, 17],
  ['member without a value at the end', '{"a":', MSG.memberEnd, 5],
  ['member without a colon at the end', '{"a"', MSG.memberEnd, 4],
  ['missing colon', '{"a" 1}', MSG.colon, 5],
  ['missing comma between members', '{"a": 1 "b": 2}', MSG.objectSeparator, 8],
  ['unclosed array', '[1, 2', MSG.arrayEnd, 5],
  ['unclosed empty array', '[', MSG.arrayEnd, 1],
  ['trailing comma in an array', '[1, 2,]', MSG.value, 6],
  ['missing comma between elements', '[1 2]', MSG.arraySeparator, 3],
  ['array closed by a brace', '[1}', MSG.arraySeparator, 2],
  ['raw newline in a string', '"a\nb"', MSG.control, 2],
  ['raw tab in a string', '["a\tb"]', MSG.control, 3],
  ['unknown escape', '"a\\qb"', MSG.backslash, 2],
  ['short unicode escape', '"\\u12"', MSG.escape, 5],
  ['non-hex unicode escape', '"\\u00g0"', MSG.escape, 5],
  ['unterminated string', '"abc', MSG.stringEnd, 4],
  ['unterminated string after a backslash', '"abc\\', MSG.stringEnd, 5],
  ['lone high surrogate', '"\\ud800"', MSG.loneSurrogate, 1],
  ['lone low surrogate', '"x\\udc00"', MSG.loneSurrogate, 2],
  ['high surrogate before a plain character', '"\\ud83dx"', MSG.loneSurrogate, 1],
  ['high surrogate before a non-surrogate escape', '"\\ud83d\\u0041"', MSG.badPair, 1],
  ['leading zero', '[01]', MSG.leadingZero, 1],
  ['leading zero after a minus', '-012', MSG.leadingZero, 1],
  ['fraction without digits', '[1.]', MSG.fraction, 1],
  ['fraction without digits before an exponent', '-1.e5', MSG.fraction, 1],
  ['exponent without digits', '[1e]', MSG.exponent, 1],
  ['exponent with a sign only', '2E+', MSG.exponent, 0],
  ['number of 15 characters', '100000000000000', MSG.numberLength, 0],
  ['number beyond INT64_MAX', '[-1e19]', MSG.numberRange, 1],
  ['comment when comments are off', '// x\n{}', MSG.value, 0],
];

for (const [name, input, detail, offset] of ERRORS) {
  test(`error: ${name}`, fails(input, detail, offset, 1, offset + 1));
}

test('line and column count from 1 across newlines', fails('{\n  "a": 1,\n  "b": [1, 2,,]\n}', MSG.value, 25, 3, 14));

test('the column counts characters, the offset counts UTF-8 bytes', (t) => {
  // "é" is 2 bytes, "€" 3 and "😀" 4: 13 bytes but 7 characters before the "x".
  const result = parseJson('["é€😀" x]');
  t.deepEqual(result, { ok: false, detail: MSG.arraySeparator, location: { offset: 13, line: 1, column: 8 } });
});

test('a line after multi-byte text starts again at column 1', (t) => {
  const result = parseJson('{"ключ": 1,\n "b" 2}');
  t.deepEqual(result, { ok: false, detail: MSG.colon, location: { offset: 21, line: 2, column: 6 } });
});

test('offsets after a UTF-8 BOM count from after the BOM, as in Unit', (t) => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1,\n"a": 2}')]);
  t.deepEqual(parseJson(bytes), { ok: false, detail: MSG.duplicate, location: { offset: 9, line: 2, column: 1 } });
  t.deepEqual(parseJson('\ufeff{"a": 1,\n"a": 2}'), {
    ok: false,
    detail: MSG.duplicate,
    location: { offset: 9, line: 2, column: 1 },
  });
});

test('a BOM alone is an empty payload', fails(Buffer.from([0xef, 0xbb, 0xbf]), MSG.empty, 0, 1, 1));

test('a BOM is read only at the start', fails('[1, \ufeff2]', MSG.value, 4, 1, 5));

test('invalid UTF-8 in a string is reported at its first bad byte', (t) => {
  const bytes = Buffer.concat([Buffer.from('{"name": "ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  t.deepEqual(parseJson(bytes), { ok: false, detail: MSG.utf8, location: { offset: 12, line: 1, column: 13 } });
});

test('UTF-8 encoded surrogates and overlong forms are invalid', (t) => {
  for (const bad of [
    [0xed, 0xa0, 0x80],
    [0xc0, 0xaf],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
  ]) {
    const result = parseJson(Buffer.concat([Buffer.from('["'), Buffer.from(bad), Buffer.from('"]')]));
    t.like(result, { ok: false, detail: MSG.utf8, location: { offset: 2 } });
  }
});

test('invalid UTF-8 next to an escape is still found', (t) => {
  const bytes = Buffer.concat([Buffer.from('"\\n'), Buffer.from([0xff]), Buffer.from('"')]);
  t.like(parseJson(bytes), { ok: false, detail: MSG.utf8, location: { offset: 3 } });
});

test('values come out as JSON.parse gives them', (t) => {
  const texts = [
    'null',
    'true',
    'false',
    '0',
    '-0.5',
    '12.75e-3',
    '1E+2',
    '99999999999999',
    '"plain"',
    '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC \\ud83d\\ude00"',
    '"héllo wörld ✓ 😀"',
    '[]',
    '{}',
    '[1, [2, [3, {"a": [null, {}]}]]]',
    '{"listeners": {"*:8080": {"pass": "applications/app"}}, "applications": {"app": {"type": "node"}}}',
    ' \r\n\t{ "a" : [ 1 , 2 ] } \n',
  ];
  for (const text of texts) t.deepEqual(parseJson(text), { ok: true, value: JSON.parse(text) }, text);
});

test('"__proto__" is an ordinary member', (t) => {
  const result = parseJson('{"__proto__": {"polluted": true}, "a": 1}');
  t.true(result.ok);
  const value = (result as { value: Record<string, unknown> }).value;
  t.deepEqual(Object.keys(value), ['__proto__', 'a']);
  t.is(Object.getPrototypeOf(value), Object.prototype);
  t.is(({} as Record<string, unknown>).polluted, undefined);
  t.like(parseJson('{"__proto__": 1, "__proto__": 2}'), { ok: false, detail: MSG.duplicate });
});

test('numbers keep their value and -0 reads as 0', (t) => {
  t.deepEqual(parseJson('[-0, 1.0, 1e3, 0.000001, -1234567890123]'), {
    ok: true,
    value: [0, 1, 1000, 0.000001, -1234567890123],
  });
  // Unit's limit of 14 characters counts the sign.
  t.like(parseJson('-12345678901234'), { ok: false, detail: MSG.numberLength });
});

test("Unit's leniency is there when asked for", (t) => {
  const text = '// the config\n{\n  "a": [1, 2,], /* old: 3 */\n  "b": {"c": true,},\n}\n// end\n';
  t.deepEqual(parseJson(text, { allowComments: true, allowTrailingCommas: true }), {
    ok: true,
    value: { a: [1, 2], b: { c: true } },
  });
  t.like(parseJson(text, { allowComments: true }), { ok: false, detail: MSG.value, location: { offset: 29 } });
  t.like(parseJson('{} /* open', { allowComments: true }), { ok: false, detail: MSG.trailing, location: { offset: 3 } });
  t.like(parseJson('[1 / 2]', { allowComments: true }), { ok: false, detail: MSG.arraySeparator, location: { offset: 3 } });
});

test('nesting is limited, and the limit can be set', (t) => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  t.true(parseJson(nested(1000)).ok);
  t.deepEqual(parseJson(nested(1001)), { ok: false, detail: MSG.depth, location: { offset: 1000, line: 1, column: 1001 } });
  t.like(parseJson('{"a": {"b": {}}}', { maxDepth: 2 }), {
    ok: false,
    detail: 'The JSON value is nested too deeply.  Arrays and objects may be nested at most 2 levels deep.',
    location: { offset: 12 },
  });
});

test('a Uint8Array view parses like the same bytes', (t) => {
  const whole = Buffer.from('xx{"a": [1, 2]}yy');
  const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.length - 4);
  t.deepEqual(parseJson(view), { ok: true, value: { a: [1, 2] } });
});

// Random documents, printed compactly and indented, read back as JSON.parse
// reads them.
function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 4 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.round((random() - 0.5) * 1e6) / (random() < 0.5 ? 1 : 1000);
    case 3:
    case 4: {
      const alphabet = 'abc XYZ/*$"\\\n\té€😀\u0001';
      const chars = Array.from(alphabet);
      let s = '';
      for (let i = Math.floor(random() * 12); i > 0; i--) s += chars[Math.floor(random() * chars.length)];
      return s;
    }
    case 5:
      return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) object[`k${Math.floor(random() * 100)}`] = randomValue(random, depth + 1);
      return object;
    }
  }
}

test('random documents agree with JSON.parse', (t) => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 500; i++) {
    const value = randomValue(random, 0);
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
      t.deepEqual(parseJson(text), { ok: true, value: JSON.parse(text) });
    }
  }
});

function bigConfig(apps: number): Record<string, unknown> {
  const config = { listeners: {} as Record<string, unknown>, applications: {} as Record<string, unknown>, routes: [] as unknown[] };
  for (let i = 0; i < apps; i++) {
    config.listeners[`127.0.0.1:${10000 + i}`] = { pass: `applications/app-${i}` };
    config.applications[`app-${i}`] = {
      type: 'node',
      script: `/srv/apps/${i}/server.js`,
      environment: { NODE_ENV: 'production', INSTANCE: `instance-${i}`, GREETING: 'héllo wörld ✓' },
      processes: { max: 8, spare: 1, idle_timeout: 20 },
    };
    config.routes.push({
      match: { uri: [`/app/${i}/*`, `!/app/${i}/private/*`], headers: { 'X-Id': `${i}` } },
      action: { pass: `applications/app-${i}` },
    });
  }
  return config;
}

// "Quickly" is measured against V8's own JSON.parse on the same text, in
// the same moments (interleaved rounds, the minimum of each): a busy machine
// slows both alike. A wall-clock budget failed on a busy box (6.4 s against
// 3 s at load 20). The parser runs at 3-6x JSON.parse here; a parser that
// went quadratic or backtracked would be hundreds of times slower.
test('multi-megabyte configurations parse exactly, within a small factor of JSON.parse', (t) => {
  const text = JSON.stringify(bigConfig(8000), null, 2);
  t.true(Buffer.byteLength(text) > 4_000_000);
  t.deepEqual(parseJson(text), { ok: true, value: JSON.parse(text) });
  const time = (parse: () => unknown): number => {
    const started = process.hrtime.bigint();
    parse();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  let ours = Infinity;
  let native = Infinity;
  for (let round = 0; round < 3; round++) {
    ours = Math.min(
      ours,
      time(() => parseJson(text)),
    );
    native = Math.min(
      native,
      time(() => JSON.parse(text)),
    );
  }
  const ratio = ours / native;
  t.log(`parseJson ${ours.toFixed(0)} ms, JSON.parse ${native.toFixed(0)} ms: ${ratio.toFixed(1)}x`);
  t.true(ratio < 25, `parseJson took ${ratio.toFixed(1)}x JSON.parse's time`);
});

test('an error at the end of a big input has the right line', (t) => {
  const text = JSON.stringify(bigConfig(2000), null, 2);
  const lines = text.split('\n').length;
  const broken = text.slice(0, -1) + ',\n  "x": }';
  const result = parseJson(broken);
  t.like(result, { ok: false, detail: MSG.value, location: { line: lines + 1, column: 8 } });
});
