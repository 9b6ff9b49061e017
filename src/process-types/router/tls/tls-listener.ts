// A listener's "tls": its certificate bundles (one, or several chosen by
// SNI), session options and conf_commands, turned into the options of a
// Node TLS server. Bundles come from main, which keeps them in the state dir.
import crypto from 'node:crypto';
import type tls from 'node:tls';

import { nameMatches, parseBundle } from '../../../tls/bundle.js';
import { mapConfCommands } from '../../../tls/conf-commands.js';
import { ErrorCodes, WeftError } from '../../../errors.js';

export interface TlsConfig {
  certificate: string | string[];
  conf_commands?: Record<string, string>;
  session?: { cache_size?: number; timeout?: number; tickets?: boolean | string | string[] };
}

interface Context {
  names: string[];
  context: tls.SecureContext;
}

export interface TlsServerSetup {
  /** Changes whenever what a handshake would use changes. */
  kind: string;
  options: tls.TlsOptions;
  /** External session cache of cache_size entries (Node's own cache size cannot be set). */
  sessionCacheSize: number;
}

/**
 * The bundle for a server name as Unit's lookup finds it: an exact name in
 * any bundle before a wildcard one; then the first bundle listed. None: the
 * listener's first (default) bundle.
 */
function pick(contexts: Context[], servername: string): Context | undefined {
  const name = servername.toLowerCase();
  return (
    contexts.find((c) => c.names.includes(name)) ?? contexts.find((c) => c.names.some((n) => n.startsWith('*.') && nameMatches(n, name)))
  );
}

export function certificateNames(config: TlsConfig): string[] {
  return Array.isArray(config.certificate) ? config.certificate : [config.certificate];
}

export function tlsSetup(
  config: TlsConfig,
  bundles: Record<string, string>,
  createContext: (o: tls.SecureContextOptions) => tls.SecureContext,
): TlsServerSetup {
  const mapped = mapConfCommands(config.conf_commands ?? {});
  if ('problem' in mapped) throw new WeftError(ErrorCodes.TLS_SETUP, mapped.problem);
  const base = mapped.options;
  const contexts: Context[] = certificateNames(config).map((name) => {
    const pem = bundles[name];
    if (pem === undefined) throw new WeftError(ErrorCodes.TLS_SETUP, `the certificate bundle "${name}" is not stored`);
    const parsed = parseBundle(pem);
    return { names: parsed.serverNames, context: createContext({ ...base, key: pem, cert: pem }) };
  });
  const fallback = contexts[0];
  const session = config.session ?? {};
  const options: tls.TlsOptions = {
    ...base,
    key: bundles[certificateNames(config)[0]],
    cert: bundles[certificateNames(config)[0]],
    SNICallback: (servername, cb) => cb(null, (pick(contexts, servername) ?? fallback).context),
  };
  if (session.timeout !== undefined) options.sessionTimeout = session.timeout;
  const tickets = session.tickets ?? false;
  // No key at all ("tickets": []) is tickets off, as in Unit.
  if (tickets === false || (Array.isArray(tickets) && tickets.length === 0)) {
    options.secureOptions = (options.secureOptions ?? 0) | crypto.constants.SSL_OP_NO_TICKET;
  } else if (typeof tickets === 'string' || Array.isArray(tickets)) {
    // Unit rotates through several keys; Node takes one 48-byte key: the first.
    const key = Buffer.from(Array.isArray(tickets) ? tickets[0] : tickets, 'base64');
    if (key.length !== 48)
      throw new WeftError(
        ErrorCodes.TLS_SETUP,
        `a TLS ticket key must be 48 bytes (base64 of 48 bytes); Node's TLS cannot use a ${key.length}-byte key`,
      );
    options.ticketKeys = key;
  }
  const kind = `tls:${crypto
    .createHash('sha256')
    .update(JSON.stringify(config))
    .update(
      certificateNames(config)
        .map((n) => bundles[n])
        .join('\n'),
    )
    .digest('hex')}`;
  return { kind, options, sessionCacheSize: session.cache_size ?? 0 };
}
