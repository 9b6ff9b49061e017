// A listener's "forwarded": when the connection comes from a trusted
// "source" (a proxy in front of Weft), the client's address is read from
// the "client_ip" header (its last address; with "recursive", the
// right-most address that is not itself trusted), and the scheme from the
// "protocol" header. Otherwise the socket's own peer counts.
import { compileAddressRule, PeerAddress } from './routing/index.js';
import type { SocketEndpoint } from './routing/index.js';

export interface ForwardedConfig {
  source: string | string[];
  client_ip?: string;
  protocol?: string;
  recursive?: boolean;
}

export interface ClientView {
  remote: SocketEndpoint | null;
  /** TLS, or "https" in a trusted protocol header. */
  tls: boolean;
}

export type ClientResolver = (remote: SocketEndpoint | null, tls: boolean, rawHeaders: readonly string[]) => ClientView;

function lastHeader(raw: readonly string[], lower: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === lower) found = raw[i + 1];
  return found;
}

function allHeaderValues(raw: readonly string[], lower: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === lower) out.push(...raw[i + 1].split(','));
  return out.map((v) => v.trim()).filter(Boolean);
}

export function compileForwarded(config: ForwardedConfig | undefined, path: string): ClientResolver {
  if (!config) return (remote, tls) => ({ remote, tls });
  const trusted = compileAddressRule(config.source, `${path}/source`);
  const ipHeader = config.client_ip?.toLowerCase();
  const protoHeader = config.protocol?.toLowerCase();
  const recursive = config.recursive ?? false;
  const isTrusted = (address: string): boolean => trusted(PeerAddress.parse(address, 0));
  return (remote, tls, raw) => {
    const peer = remote === null ? PeerAddress.unix : PeerAddress.parse(remote.address, remote.port);
    if (!trusted(peer)) return { remote, tls };
    let client = remote;
    if (ipHeader) {
      const addresses = allHeaderValues(raw, ipHeader);
      let chosen: string | undefined;
      if (recursive) {
        for (let i = addresses.length - 1; i >= 0; i--) {
          chosen = addresses[i];
          if (!isTrusted(chosen)) break;
        }
      } else {
        chosen = addresses[addresses.length - 1];
      }
      if (chosen !== undefined && PeerAddress.parse(chosen, 0).family !== 0) client = { address: chosen, port: 0 };
    }
    let secure = tls;
    if (protoHeader) {
      const proto = lastHeader(raw, protoHeader)?.trim().toLowerCase();
      if (proto === 'https') secure = true;
      else if (proto === 'http') secure = false;
    }
    return { remote: client, tls: secure };
  };
}
