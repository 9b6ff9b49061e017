// What route matching reads from a request. The router builds one per
// request from Node's request and socket; the parts a route may never look
// at (arguments, cookies, the addresses as numbers) are parsed on first use
// and kept, so a request that no "arguments" or "cookies" pattern looks at
// never parses its query or Cookie headers.
//
// Strings are byte strings (byte-string.ts). Node's `req.rawHeaders` can be
// passed as is: its values are latin1, one character per byte.
import { equalsFolded } from './byte-string.js';
import { PeerAddress } from './peer-address.js';
import { decodeQuery, parseArguments, QueryArguments } from './request-arguments.js';
import { parseCookies, RequestCookies } from './request-cookies.js';
import type { VariableContext } from './variables.js';

/** An IP endpoint as Node reports it (`socket.remoteAddress` / `remotePort`). */
export interface SocketEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface RouteRequestInit {
  /** As sent: Node's `req.method`. */
  method: string;
  /** The request came over TLS (or a trusted "forwarded.protocol" header said so). */
  tls: boolean;
  /** normalizeHost() of the Host header; "" when there is none. */
  host: string;
  /** parseRequestTarget(...).path: decoded and normalised. */
  path: string;
  /** parseRequestTarget(...).query: raw, without "?". */
  query: string;
  /** Node's `req.rawHeaders`: [name, value, name, value, ...]. */
  rawHeaders: readonly string[];
  /** The client; null for a unix-socket client, which matches only the "unix" address pattern. */
  remote: SocketEndpoint | null;
  /**
   * Where the request arrived; null on a unix-socket listener. A function
   * is called on first use only ("destination" is rare; Unit also asks the
   * socket lazily).
   */
  local: SocketEndpoint | null | (() => SocketEndpoint | null);
}

function toPeer(endpoint: SocketEndpoint | null): PeerAddress {
  return endpoint === null ? PeerAddress.unix : PeerAddress.parse(endpoint.address, endpoint.port);
}

export class RouteRequest {
  /** The request's variables, for "match": {"if": ...} (set by the request context that owns it). */
  variables: VariableContext | undefined;
  readonly method: string;
  readonly tls: boolean;
  readonly host: string;
  /** The current path: a "rewrite" replaces it (rewrite.ts), later routing sees the new one. */
  path: string;
  readonly query: string;
  readonly rawHeaders: readonly string[];
  #remote: SocketEndpoint | null;
  #local: RouteRequestInit['local'];
  #remotePeer: PeerAddress | undefined;
  #localPeer: PeerAddress | undefined;
  #arguments: QueryArguments | undefined;
  #decodedQuery: string | undefined;
  #cookies: RequestCookies | undefined;

  constructor(init: RouteRequestInit) {
    this.method = init.method;
    this.tls = init.tls;
    this.host = init.host;
    this.path = init.path;
    this.query = init.query;
    this.rawHeaders = init.rawHeaders;
    this.#remote = init.remote;
    this.#local = init.local;
  }

  remoteAddress(): PeerAddress {
    return (this.#remotePeer ??= toPeer(this.#remote));
  }

  localAddress(): PeerAddress {
    if (this.#localPeer === undefined) {
      const local = typeof this.#local === 'function' ? this.#local() : this.#local;
      this.#localPeer = toPeer(local);
    }
    return this.#localPeer;
  }

  arguments(): QueryArguments {
    return (this.#arguments ??= parseArguments(this.query));
  }

  /** The query decoded ("+" as space, "%XX"), as "query" patterns see it. */
  decodedQuery(): string {
    if (this.#arguments !== undefined) return this.#arguments.decoded;
    return (this.#decodedQuery ??= decodeQuery(this.query));
  }

  cookies(): RequestCookies {
    return (this.#cookies ??= parseCookies(this.rawHeaders));
  }

  /** The first value of header `lowerName` (lowercase), or undefined ($header_name). */
  header(lowerName: string): string | undefined {
    const h = this.rawHeaders;
    for (let i = 0; i + 1 < h.length; i += 2) if (equalsFolded(h[i], lowerName)) return h[i + 1];
    return undefined;
  }
}
