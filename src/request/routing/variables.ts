// Unit's variables in configuration strings ("share", "location", "pass",
// "rewrite", response headers, the access log format), compiled once into
// a function of the request. A template without variables compiles to its
// text; otherwise only the variables it names are evaluated, each through
// one call on the VariableContext, which the router implements (lazily:
// nothing is computed for a variable no template uses).
//
// The result is a byte string (byte-string.ts): request data are bytes, so
// the template's literal text is turned into UTF-8 bytes once, here. Write
// it out as latin1 (Node does for header values) or with byteStringBuffer().
//
// Names follow Unit (nxt_http_variables.c): $header_NAME looks up header
// NAME with "_" read as "-", case-insensitively, first occurrence;
// $cookie_NAME the first cookie NAME, case-sensitive; $arg_NAME the last
// argument NAME, case-sensitive, decoded; $response_header_NAME the first
// response header whose name, lowercased with "-" read as "_", equals NAME
// lowercased. A missing value is the empty string.
import { parseTemplate, TemplateError } from '../../config/variables.js';
import { asciiLower, toByteString } from './byte-string.js';
import { RouteCompileError } from './route-compile-error.js';

export interface VariableContext {
  /** $method: as sent. */
  readonly method: string;
  /** $uri: the current path, decoded and normalised (after any rewrite). */
  readonly uri: string;
  /** $host: normalizeHost() of the Host header. */
  readonly host: string;
  /** $remote_addr: the client's address text ("127.0.0.1", "::1"; for a unix-socket client Unit shows "unix:"). */
  readonly remoteAddr: string;
  /** $request_uri: the target exactly as received (Unit 1.35 keeps it across rewrites). */
  readonly requestUri: string;
  /** $request_line: e.g. "GET /a?b HTTP/1.1". */
  readonly requestLine: string;
  /** $request_id: 32 hex digits, the same for every use within one request (newRequestId()). */
  requestId(): string;
  /** $status: the response status. */
  status(): number;
  /** $body_bytes_sent */
  bodyBytesSent(): number;
  /** $request_time: milliseconds since the request began. */
  requestTime(): number;
  /** $time_local, e.g. "27/Nov/2026:05:03:38 +0000" (formatTimeLocal()). */
  timeLocal(): string;
  /** A request header by lowercase name ("user-agent"), first occurrence (RouteRequest.header). */
  header(name: string): string | undefined;
  /** A cookie by name, first occurrence (RouteRequest.cookies().first). */
  cookie(name: string): string | undefined;
  /** A query argument by decoded name, last occurrence (RouteRequest.arguments().last). */
  arg(name: string): string | undefined;
  /** A response header by responseHeaderKey() of its name, first occurrence. */
  responseHeader(key: string): string | undefined;
}

export interface CompiledTemplate {
  (ctx: VariableContext): string;
  /** The value when the template holds no variable; undefined otherwise. */
  readonly constant: string | undefined;
  /** The template as configured. */
  readonly source: string;
}

type Part = (ctx: VariableContext) => string;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** $request_time's form: seconds with three decimals ("0.042"). */
export function formatRequestTime(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  return `${Math.floor(whole / 1000)}.${pad(whole % 1000, 3)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last second formatted: an access log under load asks for the same one thousands of times. */
let lastSecond = NaN;
let lastText = '';

/** $time_local of a time in ms since the epoch (formatTimeLocal's, kept for the second). */
export function timeLocalAt(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = formatTimeLocal(new Date(second * 1000));
    lastSecond = second;
  }
  return lastText;
}

/** $time_local's form, in the local time zone: "27/Nov/2026:05:03:38 +0000". */
export function formatTimeLocal(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const abs = Math.abs(offset);
  return (
    `${pad(date.getDate(), 2)}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:` +
    `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)} ` +
    `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}${pad(abs % 60, 2)}`
  );
}

let randomBytes: typeof import('node:crypto').randomBytes | undefined;

/** A fresh $request_id: 128 random bits as 32 lowercase hex digits. */
export function newRequestId(): string {
  // node:crypto (~0.5 MB of heap) loads only where a request asks for one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  randomBytes ??= (require('node:crypto') as typeof import('node:crypto')).randomBytes;
  return randomBytes(16).toString('hex');
}

/** The key $response_header_NAME compares: lowercase, "-" read as "_". */
export function responseHeaderKey(name: string): string {
  return asciiLower(name).replace(/-/g, '_');
}

// In the access log a variable with no value shows as "-" (Unit's logging mode).
function variablePart(name: string, missing: string): Part {
  switch (name) {
    case 'dollar':
      return () => '$';
    case 'method':
      return (c) => c.method;
    case 'uri':
      return (c) => c.uri;
    case 'host':
      return (c) => c.host;
    case 'remote_addr':
      return (c) => c.remoteAddr;
    case 'request_uri':
      return (c) => c.requestUri;
    case 'request_line':
      return (c) => c.requestLine;
    case 'request_id':
      return (c) => c.requestId();
    case 'status':
      return (c) => pad(c.status(), 3);
    case 'body_bytes_sent':
      return (c) => String(c.bodyBytesSent());
    case 'request_time':
      return (c) => formatRequestTime(c.requestTime());
    case 'time_local':
      return (c) => c.timeLocal();
  }
  // Family names: parseTemplate has checked the prefix and a non-empty rest.
  if (name.startsWith('response_header_')) {
    const key = asciiLower(name.slice('response_header_'.length));
    return (c) => c.responseHeader(key) ?? missing;
  }
  if (name.startsWith('header_')) {
    const header = asciiLower(name.slice('header_'.length)).replace(/_/g, '-');
    return (c) => c.header(header) ?? missing;
  }
  if (name.startsWith('cookie_')) {
    const cookie = name.slice('cookie_'.length);
    return (c) => c.cookie(cookie) ?? missing;
  }
  if (name.startsWith('arg_')) {
    const arg = name.slice('arg_'.length);
    return (c) => c.arg(arg) ?? missing;
  }
  throw new TemplateError(`Unknown variable "${name}".`);
}

function finish(fn: (ctx: VariableContext) => string, constant: string | undefined, source: string): CompiledTemplate {
  return Object.assign(fn, { constant, source });
}

/**
 * Compiles a template. `path` (e.g. "routes/0/action/share") names it in the
 * RouteCompileError thrown for a malformed or unknown variable. With
 * `logging`, a header, cookie or argument that is absent reads "-".
 */
export function compileTemplate(text: string, path = '', options: { logging?: boolean } = {}): CompiledTemplate {
  const missing = options.logging ? '-' : '';
  let parsed;
  try {
    parsed = parseTemplate(text);
  } catch (e) {
    if (e instanceof TemplateError) {
      throw new RouteCompileError(path, `${e.message} in the template "${text}"`, { cause: e });
    }
    throw e;
  }
  // $dollar is a constant: fold it into the text around it.
  const parts: Array<string | Part> = [];
  for (const p of parsed) {
    const value = typeof p === 'string' ? toByteString(p) : p.variable === 'dollar' ? '$' : variablePart(p.variable, missing);
    const last = parts.length - 1;
    if (typeof value === 'string' && typeof parts[last] === 'string') parts[last] = (parts[last] as string) + value;
    else parts.push(value);
  }
  if (parts.length === 0) return finish(() => '', '', text);
  if (parts.length === 1) {
    const only = parts[0];
    if (typeof only === 'string') return finish(() => only, only, text);
    return finish(only, undefined, text);
  }
  const fns: Part[] = parts.map((p) => (typeof p === 'string' ? () => p : p));
  if (fns.length === 2) {
    const [a, b] = fns;
    return finish((c) => a(c) + b(c), undefined, text);
  }
  if (fns.length === 3) {
    const [a, b, d] = fns;
    return finish((c) => a(c) + b(c) + d(c), undefined, text);
  }
  return finish(
    (c) => {
      let out = '';
      for (let i = 0; i < fns.length; i++) out += fns[i](c);
      return out;
    },
    undefined,
    text,
  );
}

const FALSY = new Set(['', '0', 'false', 'null', 'undefined']);

/**
 * An "if" condition (access_log.if): a template whose value is false when
 * it is "", "0", "false", "null" or "undefined"; a leading "!" negates.
 */
export function compileCondition(text: string, path = ''): (ctx: VariableContext) => boolean {
  const negate = text.startsWith('!');
  const template = compileTemplate(negate ? text.slice(1) : text, path);
  if (template.constant !== undefined) {
    const value = !FALSY.has(template.constant) !== negate;
    return () => value;
  }
  return (c) => !FALSY.has(template(c)) !== negate;
}
