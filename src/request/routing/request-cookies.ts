// Cookies as "cookies" patterns and $cookie_* see them (Unit's
// nxt_http_cookies_parse), from every Cookie header, parsed on first use.
// Pairs are split at ";", name from value at the first "="; spaces before
// a name and after a value are dropped, nothing is decoded, and a piece
// without "=" is ignored. Names are case-sensitive.
import { equalsFolded } from './byte-string.js';

export class RequestCookies {
  constructor(
    readonly names: readonly string[],
    readonly values: readonly string[],
  ) {}

  static readonly empty = new RequestCookies([], []);

  /** The first value of cookie `name` (Unit's $cookie_name), or undefined. */
  first(name: string): string | undefined {
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) return this.values[i];
    return undefined;
  }
}

function parseInto(header: string, names: string[], values: string[]): void {
  let start = 0;
  let name: string | null = null;
  for (let p = 0; p <= header.length; p++) {
    const c = p < header.length ? header.charCodeAt(p) : 0x3b;
    if (c === 0x3d && name === null) {
      while (header.charCodeAt(start) === 0x20) start++;
      name = header.slice(start, p);
      start = p + 1;
    } else if (c === 0x3b) {
      if (name !== null) {
        let end = p;
        while (end > start && header.charCodeAt(end - 1) === 0x20) end--;
        names.push(name);
        values.push(header.slice(start, end));
      }
      name = null;
      start = p + 1;
    }
  }
}

/** Cookies from `rawHeaders` ([name, value, name, value, ...], as Node's `req.rawHeaders`). */
export function parseCookies(rawHeaders: readonly string[]): RequestCookies {
  let names: string[] | null = null;
  let values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const n = rawHeaders[i];
    if (!equalsFolded(n, 'cookie')) continue;
    if (names === null) {
      names = [];
      values = [];
    }
    parseInto(rawHeaders[i + 1], names, values);
  }
  return names === null ? RequestCookies.empty : new RequestCookies(names, values);
}
