// The request target, as Unit reads it (nxt_http_parse_request_line and
// nxt_http_parse_complex_target): the path ends at the first "?" or "#";
// the query runs from that "?" to the next "#". The path is percent-decoded
// once and normalised in the same pass: "//" collapses, "." segments go,
// ".." removes the segment before it and is an error above the root (Unit
// answers 400; it never clamps). "%00" and a "%" without two hex digits are
// errors; a decoded "%", "?" or "#" is a plain byte and is never decoded
// again, while a decoded "/" or "." counts as the character itself, so
// "%2e%2e%2f" climbs like "../". The result holds no "." or ".." segment,
// no empty segment and no NUL, so appending it to a directory cannot leave
// it. Only origin-form targets are accepted: Unit rejects "*" and
// "http://host/path" (its parser has a TODO there), and so does Weft.
//
// Strings are byte strings (byte-string.ts): the decoded path may hold any
// byte but NUL, not necessarily UTF-8.
import { hexValue } from './percent.js';

export type RequestTarget =
  | {
      ok: true;
      /** Decoded, normalised path: what routes match and `share` appends. */
      path: string;
      /** The raw query, without "?" and without a fragment; "" when absent. */
      query: string;
      /** The path as sent, before decoding. */
      rawPath: string;
    }
  | { ok: false; reason: string };

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const HASH = 0x23;

const enum State {
  Normal,
  Slash,
  Dot,
  DotDot,
  Quoted,
  QuotedSecond,
}

export const TargetErrors = {
  empty: 'the request target is empty',
  asterisk: 'the asterisk-form request target "*" is not supported',
  absolute: 'absolute-form request targets ("http://host/path") are not supported',
  origin: 'the request target must begin with "/"',
  control: 'the request target holds a NUL, CR or LF byte',
  notBytes: 'the request target holds a character that is not a byte',
  escape: 'the path holds a "%" that is not followed by two hex digits',
  nul: 'the path holds an encoded NUL byte ("%00")',
  aboveRoot: 'the path climbs above the root with ".."',
} as const;

// Decoding writes into one shared buffer; the router is single-threaded and
// the string is copied out before anyone else can run.
let scratch = Buffer.allocUnsafe(4096);

function failure(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** Decodes and normalises path bytes [start, end) of src; a string, or a failure. */
function normalise(src: string, start: number, end: number): string | { ok: false; reason: string } {
  if (end - start > scratch.length) scratch = Buffer.allocUnsafe(Math.max(end - start, scratch.length * 2));
  const out = scratch;
  let u = 0;
  let state = State.Normal;
  let saved = State.Normal;
  let high = 0;
  let i = start;
  for (;;) {
    let ch: number;
    if (i < end) {
      ch = src.charCodeAt(i++);
    } else if (state === State.Quoted || state === State.QuotedSecond) {
      return failure(TargetErrors.escape);
    } else if (state === State.Dot || state === State.DotDot) {
      // A trailing "/." or "/.." is normalised like "/./" and "/../".
      ch = SLASH;
    } else {
      break;
    }
    // A decoded byte is handled by the state the "%" arrived in.
    for (;;) {
      if (state === State.Normal) {
        if (ch === SLASH) {
          state = State.Slash;
          out[u++] = ch;
        } else if (ch === PERCENT) {
          saved = state;
          state = State.Quoted;
        } else {
          out[u++] = ch;
        }
      } else if (state === State.Slash) {
        if (ch === DOT) {
          state = State.Dot;
          out[u++] = ch;
        } else if (ch === PERCENT) {
          saved = state;
          state = State.Quoted;
        } else if (ch !== SLASH) {
          state = State.Normal;
          out[u++] = ch;
        }
      } else if (state === State.Dot) {
        if (ch === SLASH) {
          state = State.Slash;
          u--;
        } else if (ch === DOT) {
          state = State.DotDot;
          out[u++] = ch;
        } else if (ch === PERCENT) {
          saved = state;
          state = State.Quoted;
        } else {
          state = State.Normal;
          out[u++] = ch;
        }
      } else if (state === State.DotDot) {
        if (ch === SLASH) {
          // out ends with "<segment>/..": step back over "/.." and the
          // segment's last byte, then to just after the slash before it.
          u -= 5;
          for (;;) {
            if (u < 0) return failure(TargetErrors.aboveRoot);
            if (out[u] === SLASH) {
              u++;
              break;
            }
            u--;
          }
          state = State.Slash;
        } else if (ch === PERCENT) {
          saved = state;
          state = State.Quoted;
        } else {
          state = State.Normal;
          out[u++] = ch;
        }
      } else if (state === State.Quoted) {
        high = hexValue(ch);
        if (high < 0) return failure(TargetErrors.escape);
        state = State.QuotedSecond;
      } else {
        const low = hexValue(ch);
        if (low < 0) return failure(TargetErrors.escape);
        const byte = high * 16 + low;
        if (byte === 0) return failure(TargetErrors.nul);
        if (byte === PERCENT || byte === QUESTION || byte === HASH) {
          state = State.Normal;
          out[u++] = byte;
        } else {
          state = saved;
          ch = byte;
          continue;
        }
      }
      break;
    }
  }
  return out.toString('latin1', 0, u);
}

function unusualTarget(raw: string): string {
  if (raw.length === 0) return TargetErrors.empty;
  if (raw === '*') return TargetErrors.asterisk;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw)) return TargetErrors.absolute;
  return TargetErrors.origin;
}

/**
 * Splits and decodes a request target (Node's `req.url`). `controls`: reject
 * NUL, CR and LF anywhere, as Unit's request-line parser does; a rewritten
 * URI (rewrite.ts) is only checked for what decoding itself forbids.
 */
export function parseTarget(raw: string, controls: boolean): RequestTarget {
  if (raw.charCodeAt(0) !== SLASH) return failure(unusualTarget(raw));
  let pathEnd = -1;
  let complex = false;
  let prev = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0xff) return failure(TargetErrors.notBytes);
    if (c === 0 || (controls && (c === 10 || c === 13))) return failure(TargetErrors.control);
    if (pathEnd < 0) {
      if (c === QUESTION || c === HASH) pathEnd = i;
      else if (c === PERCENT || (prev === SLASH && (c === SLASH || c === DOT))) complex = true;
      prev = c;
    }
  }
  if (pathEnd < 0) pathEnd = raw.length;
  let query = '';
  if (raw.charCodeAt(pathEnd) === QUESTION) {
    const hash = raw.indexOf('#', pathEnd + 1);
    query = raw.slice(pathEnd + 1, hash < 0 ? raw.length : hash);
  }
  const rawPath = raw.slice(0, pathEnd);
  if (!complex) return { ok: true, path: rawPath, query, rawPath };
  const path = normalise(raw, 0, pathEnd);
  if (typeof path !== 'string') return path;
  return { ok: true, path, query, rawPath };
}

/** A request target as the client sent it; a failure is answered with 400. */
export function parseRequestTarget(raw: string): RequestTarget {
  return parseTarget(raw, true);
}
