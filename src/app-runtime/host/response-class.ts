// The class of the responses a served server makes: Node's own (or the
// app's `ServerResponse` option), subclassed so that Weft sees each request
// begin and end and adds its `Server` header, without a per-request
// listener, closure or header-map entry.
//
// Why a subclass: every request gets exactly one response, constructed by
// http before it emits 'request' (or 'checkContinue'/'checkExpectation',
// which the app may re-emit as 'request'); its 'close' comes once, whether
// it finished or the client left. A response whose app sets no header takes
// Node's fast path (no header map, no validation); a setHeader('Server') of
// ours would cost every such request a header map, two regex validations and
// a string internalisation. _storeHeader is the one place Node turns the
// headers into the head of the response: the line is added there when the
// app's headers lack one. Measured on a hello-world app: per-request hooks
// and setHeader took 35% more CPU than plain node; this path, about 5%.
//
// http.Server keeps the class it instantiates under an internal symbol (the
// `ServerResponse` option of createServer, Node 12 to 26): responseClassKey()
// finds it, and the host refuses to start on a Node without it.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { outHeaders } from '../../node-internals/http-server-response.js';
import { usable } from '../../node-internals/node-internal.js';
import { ErrorCodes, WeftError } from '../../errors.js';

export interface ResponseEvents {
  /** The `Server` header value, '' for none; asked at each response's head. */
  serverHeader(): string;
  /** False once connections must close after their response (the process is stopping); asked at each head. */
  keepAlive(): boolean;
  /** A request arrived: after http made its response, before any handler of the app. */
  begin(req: IncomingMessage, res: ServerResponse): void;
  /** Its response closed (finished, or the client left); once per begin. */
  end(res: ServerResponse): void;
  /** Its head is about to go out (the status and headers are final). */
  head?(res: ServerResponse): void;
}

type StoreHeader = (this: ServerResponse, firstLine: string, headers: unknown) => void;
type ResponseClass = new (req: IncomingMessage, options?: object) => ServerResponse;

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((s) => s.description === description);
}

/** Where http.Server keeps its response class, or undefined on a Node that keeps it elsewhere. */
export function responseClassKey(server: http.Server = new http.Server()): symbol | undefined {
  const key = symbolNamed(server, 'ServerResponse');
  if (key === undefined) return undefined;
  const cls = (server as unknown as Record<symbol, unknown>)[key];
  if (typeof cls !== 'function') return undefined;
  return typeof (cls.prototype as { _storeHeader?: unknown } | undefined)?._storeHeader === 'function' ? key : undefined;
}

/** Node's own header map (lower-case names -> [name, value]). */
const OUT_HEADERS: symbol | undefined = (() => {
  if (!usable(outHeaders)) return undefined;
  const res = new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} } as IncomingMessage);
  res.setHeader('x', '1');
  return symbolNamed(res, 'kOutHeaders');
})();

function isServer(name: unknown): boolean {
  return typeof name === 'string' && name.length === 6 && name.toLowerCase() === 'server';
}

function hasServer(res: ServerResponse, headers: unknown): boolean {
  if (headers === null || headers === undefined) return false;
  const h = headers as Record<string, unknown>;
  if (OUT_HEADERS !== undefined && headers === (res as unknown as Record<symbol, unknown>)[OUT_HEADERS]) return h.server !== undefined;
  // writeHead(status, headers) with an object or an array of the app's own.
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) return headers.some((pair: unknown[]) => isServer(pair[0]));
    for (let i = 0; i < headers.length; i += 2) if (isServer(headers[i])) return true;
    return false;
  }
  for (const name in h) if (isServer(name)) return true;
  return false;
}

/** Makes `server`'s responses report to `events` and carry Weft's Server header. Throws on a Node without the slot. */
export function installResponseClass(server: http.Server, events: ResponseEvents): void {
  const key = responseClassKey(server);
  if (key === undefined)
    throw new WeftError(ErrorCodes.NODE_INTERNAL, "this Node's http.Server keeps no ServerResponse class Weft can extend");
  const slots = server as unknown as Record<symbol, ResponseClass>;
  const Base = slots[key];
  const store = (Base.prototype as unknown as { _storeHeader: StoreHeader })._storeHeader;
  // Not given its base's name: both ways tried (a computed key,
  // defineProperty of `name`) sent V8's construction of it down a slow
  // path, +25% CPU per hello-world request.
  class WeftServerResponse extends Base {
    #open = true;

    constructor(req: IncomingMessage, options?: object) {
      super(req, options);
      events.begin(req, this);
    }

    _storeHeader(firstLine: string, headers: unknown): void {
      // Here, not at begin: http sets shouldKeepAlive after making the response.
      if (!events.keepAlive()) this.shouldKeepAlive = false;
      events.head?.(this);
      const value = events.serverHeader();
      if (value !== '' && !hasServer(this, headers)) firstLine += `Server: ${value}\r\n`;
      store.call(this, firstLine, headers);
    }

    // Exactly the arguments given reach the listeners.
    override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
      if (event === 'close' && this.#open) {
        this.#open = false;
        events.end(this);
      }
      switch (arguments.length) {
        case 1:
          return super.emit(event);
        case 2:
          return super.emit(event, a);
        case 3:
          return super.emit(event, a, b);
        default:
          // eslint-disable-next-line prefer-rest-params
          return super.emit.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
      }
    }
  }
  slots[key] = WeftServerResponse;
}
