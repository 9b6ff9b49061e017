// Strict JSON (RFC 8259) with the location of the first error, worded as
// Unit's control API words it (nxt_conf_json_parse_*). JSON.parse cannot say
// where it failed, and Unit's users get "line 3, column 17" from the API.
//
// Positions follow Unit exactly: `offset` counts bytes of the UTF-8 text
// after a leading BOM (Unit skips the BOM before parsing and measures from
// there), `line` counts "\n" from 1, `column` counts characters (UTF-8 code
// points, not bytes) from 1 on that line (nxt_conf_json_position).
//
// Where Unit is laxer than RFC 8259 Weft is strict by default, and the
// options give Unit's leniency back for drop-in use:
// - comments ("//" and "/* */") and trailing commas: Unit accepts both;
//   here only with `allowComments` / `allowTrailingCommas`;
// - "-01": Unit's leading-zero test misses a minus sign; rejected here;
// - invalid UTF-8 inside strings: Unit passes the bytes through; rejected
//   here, since a JS string cannot hold them unchanged;
// - nesting deeper than `maxDepth` (1000): Unit recurses without a limit.
// Like Unit: duplicate object members are an error, lone UTF-16 surrogates
// in \u escapes are an error, a number may have at most 14 characters and
// at most INT64_MAX in magnitude. Members keep JavaScript's order (names
// that are array indexes first); Unit keeps no order at all.
import { isUtf8 } from 'node:buffer';

import { JSON_MESSAGES } from './json-messages.js';
import { firstInvalidUtf8 } from './utf8.js';

export interface JsonLocation {
  /** Bytes from the start of the text (after a BOM), 0-based. */
  offset: number;
  /** 1-based. */
  line: number;
  /** Characters from the start of the line, 1-based. */
  column: number;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; detail: string; location: JsonLocation };

export interface JsonParseOptions {
  /** Skip "//" and "/* *\/" comments between tokens, as Unit does. */
  allowComments?: boolean;
  /** Accept a comma before "]" or "}", as Unit does. */
  allowTrailingCommas?: boolean;
  /** Deepest nesting of arrays and objects; 1000 by default. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 1000;
// NXT_CONF_MAX_NUMBER_LEN: Unit stores numbers as text in 14 bytes.
const MAX_NUMBER_LENGTH = 14;
// 2^63 - 1, which a double rounds up to 2^63: compared as 2^63, as Unit's strtoll range check lands.
const INT64_MAX = 2 ** 63;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const NEWLINE = 0x0a;

/** A parse failure: thrown inside the parser only, returned as a value. */
class Failure {
  constructor(
    readonly pos: number,
    readonly detail: string,
  ) {}
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

// Characters allowed right after a number (nxt_conf_json_parse_value).
function endsNumber(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0x09 ||
    c === 0x0d ||
    c === NEWLINE ||
    c === COMMA ||
    c === RBRACE ||
    c === RBRACKET ||
    c === LBRACE ||
    c === LBRACKET ||
    c === QUOTE ||
    c === SLASH
  );
}

class Parser {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #comments: boolean;
  readonly #trailingCommas: boolean;
  readonly #maxDepth: number;
  #pos: number;
  #depth = 0;

  constructor(buf: Buffer, start: number, options: JsonParseOptions) {
    this.#buf = buf;
    this.#end = buf.length;
    this.#pos = start;
    this.#comments = options.allowComments === true;
    this.#trailingCommas = options.allowTrailingCommas === true;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  document(): unknown {
    const first = this.#skip(this.#pos);
    if (first === this.#end) throw new Failure(this.#pos, JSON_MESSAGES.empty);
    const value = this.#value(first);
    const rest = this.#skip(this.#pos);
    if (rest !== this.#end) throw new Failure(rest, JSON_MESSAGES.trailing);
    return value;
  }

  // Whitespace, and comments when allowed. An unfinished comment (or a lone
  // "/") is left in place for the caller to reject, as Unit does.
  #skip(from: number): number {
    const buf = this.#buf;
    const end = this.#end;
    let p = from;
    while (p < end) {
      const c = buf[p];
      if (c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09) {
        p++;
        continue;
      }
      if (c !== SLASH || !this.#comments || p + 1 >= end) return p;
      const next = buf[p + 1];
      if (next === SLASH) {
        const eol = buf.indexOf(NEWLINE, p + 2);
        if (eol < 0 || eol >= end) return end;
        p = eol + 1;
      } else if (next === STAR) {
        const close = buf.indexOf('*/', p + 2, 'latin1');
        if (close < 0 || close + 2 > end) return p;
        p = close + 2;
      } else {
        return p;
      }
    }
    return p;
  }

  #value(p: number): unknown {
    const buf = this.#buf;
    const c = buf[p];
    switch (c) {
      case LBRACE:
        return this.#object(p);
      case LBRACKET:
        return this.#array(p);
      case QUOTE:
        return this.#string(p);
      case 0x74: // t
        return this.#literal(p, 'true', true);
      case 0x66: // f
        return this.#literal(p, 'false', false);
      case 0x6e: // n
        return this.#literal(p, 'null', null);
    }
    const digit = c === MINUS ? buf[p + 1] : c;
    if (p < this.#end && digit !== undefined && isDigit(digit)) return this.#number(p);
    throw new Failure(p, JSON_MESSAGES.value);
  }

  #literal(p: number, text: string, value: boolean | null): boolean | null {
    const buf = this.#buf;
    if (p + text.length > this.#end) throw new Failure(p, JSON_MESSAGES.value);
    for (let i = 1; i < text.length; i++) {
      if (buf[p + i] !== text.charCodeAt(i)) throw new Failure(p, JSON_MESSAGES.value);
    }
    this.#pos = p + text.length;
    return value;
  }

  #enter(p: number): void {
    if (++this.#depth > this.#maxDepth) {
      throw new Failure(p, JSON_MESSAGES.depth.replace('{max}', String(this.#maxDepth)));
    }
  }

  #object(open: number): Record<string, unknown> {
    this.#enter(open);
    const buf = this.#buf;
    const end = this.#end;
    const object: Record<string, unknown> = {};
    let p = this.#skip(open + 1);
    if (p === end) throw new Failure(p, JSON_MESSAGES.objectEnd);
    if (buf[p] === RBRACE) {
      this.#pos = p + 1;
      this.#depth--;
      return object;
    }
    for (;;) {
      if (buf[p] !== QUOTE) throw new Failure(p, JSON_MESSAGES.memberName);
      const nameAt = p;
      const name = this.#string(p);
      if (Object.prototype.hasOwnProperty.call(object, name)) throw new Failure(nameAt, JSON_MESSAGES.duplicate);
      p = this.#skip(this.#pos);
      if (p === end) throw new Failure(p, JSON_MESSAGES.memberEnd);
      if (buf[p] !== COLON) throw new Failure(p, JSON_MESSAGES.colon);
      p = this.#skip(p + 1);
      if (p === end) throw new Failure(p, JSON_MESSAGES.memberEnd);
      const value = this.#value(p);
      if (name === '__proto__') {
        // A plain assignment would replace the prototype instead.
        Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
      } else {
        object[name] = value;
      }
      p = this.#skip(this.#pos);
      if (p === end) throw new Failure(p, JSON_MESSAGES.objectEnd);
      const c = buf[p];
      if (c === RBRACE) break;
      if (c !== COMMA) throw new Failure(p, JSON_MESSAGES.objectSeparator);
      p = this.#skip(p + 1);
      if (p === end) throw new Failure(p, JSON_MESSAGES.objectEnd);
      if (buf[p] === RBRACE && this.#trailingCommas) break;
    }
    this.#pos = p + 1;
    this.#depth--;
    return object;
  }

  #array(open: number): unknown[] {
    this.#enter(open);
    const buf = this.#buf;
    const end = this.#end;
    const array: unknown[] = [];
    let p = this.#skip(open + 1);
    if (p === end) throw new Failure(p, JSON_MESSAGES.arrayEnd);
    if (buf[p] === RBRACKET) {
      this.#pos = p + 1;
      this.#depth--;
      return array;
    }
    for (;;) {
      array.push(this.#value(p));
      p = this.#skip(this.#pos);
      if (p === end) throw new Failure(p, JSON_MESSAGES.arrayEnd);
      const c = buf[p];
      if (c === RBRACKET) break;
      if (c !== COMMA) throw new Failure(p, JSON_MESSAGES.arraySeparator);
      p = this.#skip(p + 1);
      if (p === end) throw new Failure(p, JSON_MESSAGES.arrayEnd);
      if (buf[p] === RBRACKET && this.#trailingCommas) break;
    }
    this.#pos = p + 1;
    this.#depth--;
    return array;
  }

  // First pass finds the closing quote and rejects what Unit rejects while
  // scanning (control characters, bad escapes); only strings with escapes
  // need the second, decoding pass, where surrogate pairs are judged.
  #string(open: number): string {
    const buf = this.#buf;
    const end = this.#end;
    let p = open + 1;
    let escaped = false;
    let high = false;
    for (;;) {
      if (p >= end) throw new Failure(end, JSON_MESSAGES.stringEnd);
      const c = buf[p];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = buf[p + 1];
        if (p + 1 >= end) throw new Failure(end, JSON_MESSAGES.stringEnd);
        if (e === 0x75) {
          for (let i = 2; i < 6; i++) {
            if (p + i >= end) throw new Failure(end, JSON_MESSAGES.stringEnd);
            if (hexValue(buf[p + i]) < 0) throw new Failure(p + i, JSON_MESSAGES.escape);
          }
          p += 6;
          continue;
        }
        if (e !== QUOTE && e !== BACKSLASH && e !== SLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
          throw new Failure(p, JSON_MESSAGES.backslash);
        }
        p += 2;
        continue;
      }
      if (c < 0x20) throw new Failure(p, JSON_MESSAGES.control);
      if (c >= 0x80) high = true;
      p++;
    }
    this.#pos = p + 1;
    if (!escaped) {
      this.#checkUtf8(open + 1, p, high);
      return buf.toString(high ? 'utf8' : 'latin1', open + 1, p);
    }
    return this.#unescape(open + 1, p);
  }

  #checkUtf8(from: number, to: number, high: boolean): void {
    if (!high || isUtf8(this.#buf.subarray(from, to))) return;
    throw new Failure(firstInvalidUtf8(this.#buf, from, to), JSON_MESSAGES.utf8);
  }

  #unescape(from: number, to: number): string {
    const buf = this.#buf;
    let out = '';
    let run = from;
    let p = from;
    while (p < to) {
      if (buf[p] !== BACKSLASH) {
        p++;
        continue;
      }
      if (p > run) {
        this.#checkUtf8(run, p, true);
        out += buf.toString('utf8', run, p);
      }
      const e = buf[p + 1];
      if (e !== 0x75) {
        out += e === 0x62 ? '\b' : e === 0x66 ? '\f' : e === 0x6e ? '\n' : e === 0x72 ? '\r' : e === 0x74 ? '\t' : String.fromCharCode(e);
        p += 2;
        run = p;
        continue;
      }
      const unit = this.#hex4(p + 2);
      if (unit >= 0xdc00 && unit <= 0xdfff) throw new Failure(p, JSON_MESSAGES.loneSurrogate);
      if (unit < 0xd800 || unit > 0xdbff) {
        out += String.fromCharCode(unit);
        p += 6;
        run = p;
        continue;
      }
      if (p + 6 >= to || buf[p + 6] !== BACKSLASH || buf[p + 7] !== 0x75) throw new Failure(p, JSON_MESSAGES.loneSurrogate);
      const low = this.#hex4(p + 8);
      if (low < 0xdc00 || low > 0xdfff) throw new Failure(p, JSON_MESSAGES.badPair);
      out += String.fromCharCode(unit, low);
      p += 12;
      run = p;
    }
    if (p > run) {
      this.#checkUtf8(run, p, true);
      out += buf.toString('utf8', run, p);
    }
    return out;
  }

  #hex4(p: number): number {
    const buf = this.#buf;
    return (hexValue(buf[p]) << 12) | (hexValue(buf[p + 1]) << 8) | (hexValue(buf[p + 2]) << 4) | hexValue(buf[p + 3]);
  }

  // nxt_conf_json_parse_number, with its positions: most errors point after
  // the sign, exponent and size errors at the first character.
  #number(start: number): number {
    const buf = this.#buf;
    const end = this.#end;
    const s = buf[start] === MINUS ? start + 1 : start;
    let p = s;
    let dot = -1;
    while (p < end) {
      const c = buf[p];
      if (isDigit(c)) {
        p++;
      } else if (c === DOT && dot < 0) {
        dot = p++;
      } else {
        break;
      }
    }
    if (dot >= 0) {
      if (p - dot <= 1) throw new Failure(s, JSON_MESSAGES.fraction);
    } else {
      dot = p;
    }
    if (dot - s > 1 && buf[s] === ZERO) throw new Failure(s, JSON_MESSAGES.leadingZero);
    if (p < end && (buf[p] | 0x20) === 0x65) {
      p++;
      if (p < end && (buf[p] === MINUS || buf[p] === PLUS)) p++;
      const digits = p;
      while (p < end && isDigit(buf[p])) p++;
      if (p === digits) throw new Failure(start, JSON_MESSAGES.exponent);
    }
    if (p - start > MAX_NUMBER_LENGTH) throw new Failure(start, JSON_MESSAGES.numberLength);
    const value = Number(buf.toString('latin1', start, p));
    if (Math.abs(value) > INT64_MAX) throw new Failure(start, JSON_MESSAGES.numberRange);
    if (p < end && !endsNumber(buf[p])) throw new Failure(start, JSON_MESSAGES.value);
    this.#pos = p;
    // JSON has no negative zero worth keeping; -0 would print as 0 anyway.
    return value === 0 ? 0 : value;
  }
}

/** Line and column of a byte offset, as nxt_conf_json_position counts them. */
function locate(buf: Buffer, start: number, pos: number): JsonLocation {
  let line = 1;
  let lineStart = start;
  for (let p = buf.indexOf(NEWLINE, start); p >= 0 && p < pos; p = buf.indexOf(NEWLINE, p + 1)) {
    line++;
    lineStart = p + 1;
  }
  let column = 1;
  for (let p = lineStart; p < pos; p++) {
    // Continuation bytes belong to the character before them.
    if ((buf[p] & 0xc0) !== 0x80) column++;
  }
  return { offset: pos - start, line, column };
}

export function parseJson(input: string | Uint8Array, options: JsonParseOptions = {}): JsonParseResult {
  let buf: Buffer;
  if (typeof input === 'string') {
    buf = Buffer.from(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input, 'utf8');
  } else {
    buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  try {
    return { ok: true, value: new Parser(buf, start, options).document() };
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    return { ok: false, detail: e.detail, location: locate(buf, start, e.pos) };
  }
}
