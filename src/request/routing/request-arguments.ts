// The query string as "arguments", "query" and $arg_* see it (Unit's
// nxt_http_arguments_parse), parsed on first use only. "+" is a space and
// "%XX" is decoded, but a "%" without two hex digits after it is kept as is
// (no error: the query is the client's business). "&" separates arguments
// and the first "=" separates name from value; decoded "%26" and "%3D" do
// not. An argument without "=" has the empty value; empty pieces ("&&",
// "=") are skipped. `decoded` is the whole query decoded the same way, with
// its "&" and "=" kept: what "query" patterns are matched against.
import { hexValue } from './percent.js';

export class QueryArguments {
  constructor(
    readonly names: readonly string[],
    readonly values: readonly string[],
    readonly decoded: string,
  ) {}

  static readonly empty = new QueryArguments([], [], '');

  /** The last value given for `name` (Unit's $arg_name), or undefined. */
  last(name: string): string | undefined {
    for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) return this.values[i];
    return undefined;
  }
}

/**
 * Splits and decodes a raw query. One pass builds the decoded string (as
 * slices of the query, joined only where something was decoded) and notes
 * where each piece and its first "=" fall in it; names and values are then
 * slices of the decoded string.
 */
export function parseArguments(query: string): QueryArguments {
  const n = query.length;
  if (n === 0) return QueryArguments.empty;
  let decoded = '';
  let run = 0; // start of the query slice not yet appended to `decoded`
  let d = 0; // length `decoded` will have once that slice is appended
  let pieceStart = 0;
  let eq = -1;
  // Per piece: its start, its first "=" (-1: none) and its end, in `decoded`.
  const bounds: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x26) {
      bounds.push(pieceStart, eq, d);
      pieceStart = d + 1;
      eq = -1;
    } else if (c === 0x3d) {
      if (eq < 0) eq = d;
    } else if (c === 0x2b) {
      decoded += query.slice(run, i) + ' ';
      run = i + 1;
    } else if (c === 0x25 && i + 2 < n) {
      const hi = hexValue(query.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(query.charCodeAt(i + 2));
      if (lo >= 0) {
        decoded += query.slice(run, i) + String.fromCharCode(hi * 16 + lo);
        i += 2;
        run = i + 1;
      }
    }
    d++;
  }
  bounds.push(pieceStart, eq, d);
  decoded = run === 0 ? query : decoded + query.slice(run);
  const names: string[] = [];
  const values: string[] = [];
  for (let k = 0; k < bounds.length; k += 3) {
    const start = bounds[k];
    const equals = bounds[k + 1];
    const end = bounds[k + 2];
    if (equals < 0) {
      if (end > start) {
        names.push(decoded.slice(start, end));
        values.push('');
      }
    } else if (equals > start || end > equals + 1) {
      names.push(decoded.slice(start, equals));
      values.push(decoded.slice(equals + 1, end));
    }
  }
  return new QueryArguments(names, values, decoded);
}

/** Only the decoded query ("query" patterns), without splitting it. */
export function decodeQuery(query: string): string {
  let decoded = '';
  let run = 0;
  const n = query.length;
  for (let i = 0; i < n; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x2b) {
      decoded += query.slice(run, i) + ' ';
      run = i + 1;
    } else if (c === 0x25 && i + 2 < n) {
      const hi = hexValue(query.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(query.charCodeAt(i + 2));
      if (lo >= 0) {
        decoded += query.slice(run, i) + String.fromCharCode(hi * 16 + lo);
        i += 2;
        run = i + 1;
      }
    }
  }
  return run === 0 ? query : decoded + query.slice(run);
}
