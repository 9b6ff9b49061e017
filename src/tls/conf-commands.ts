// Unit's tls.conf_commands are OpenSSL SSL_CONF_cmd() commands. Node's TLS
// does not expose SSL_CONF, so Weft maps the commands it can honour to
// Node's options, and refuses the rest at validation with a clear message
// instead of ignoring them.
import type tls from 'node:tls';

const PROTOCOLS: Record<string, tls.SecureVersion> = {
  TLSv1: 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

type Mapper = (value: string, out: tls.SecureContextOptions) => string | null;

const version =
  (field: 'minVersion' | 'maxVersion'): Mapper =>
  (value, out) => {
    const v = PROTOCOLS[value];
    if (!v) return `"${value}" is not a TLS protocol version (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)`;
    out[field] = v;
    return null;
  };

/** Commands Weft honours, case-insensitively as OpenSSL reads them. */
const COMMANDS: Record<string, Mapper> = {
  ciphersuites: (value, out) => {
    out.ciphers = out.ciphers ? `${value}:${out.ciphers}` : value;
    return null;
  },
  cipherstring: (value, out) => {
    out.ciphers = out.ciphers ? `${out.ciphers}:${value}` : value;
    return null;
  },
  minprotocol: version('minVersion'),
  maxprotocol: version('maxVersion'),
  groups: (value, out) => {
    out.ecdhCurve = value;
    return null;
  },
  curves: (value, out) => {
    out.ecdhCurve = value;
    return null;
  },
  signaturealgorithms: (value, out) => {
    out.sigalgs = value;
    return null;
  },
};

export const SUPPORTED_CONF_COMMANDS = [
  'CipherString',
  'Ciphersuites',
  'MinProtocol',
  'MaxProtocol',
  'Groups',
  'Curves',
  'SignatureAlgorithms',
];

/** Node TLS options for conf_commands, or the first problem (in the validator's words). */
export function mapConfCommands(commands: Record<string, string>): { options: tls.SecureContextOptions } | { problem: string } {
  const options: tls.SecureContextOptions = {};
  for (const [name, value] of Object.entries(commands)) {
    const mapper = COMMANDS[name.toLowerCase()];
    if (!mapper) {
      return {
        problem: `The "${name}" TLS configuration command is not supported by Weft (Node's TLS cannot honour it); supported: ${SUPPORTED_CONF_COMMANDS.join(', ')}.`,
      };
    }
    const problem = mapper(value, options);
    if (problem) return { problem: `The "${name}" TLS configuration command: ${problem}.` };
  }
  return { options };
}
