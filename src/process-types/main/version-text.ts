// `weftd --version` in unitd's form, for tools written for Unit: line 1
// "<prefix> version: <version>", line 2 "configured as ./configure <flags>",
// both to stderr. Packaging scripts read line 2 to learn the defaults and
// the features (unitd's configure flags); Weft lists the flags whose
// meaning it has, with unitd's names.
import { nodeHasZstd } from '../../lazy-builtins.js';
import { VERSION } from '../../version.js';
import { DEFAULTS } from './options.js';

/** unitd's configure flags for what this build of Weft has. */
export function configureFlags(): string[] {
  const flags = [
    `--statedir=${DEFAULTS.stateDir}`,
    `--control=${DEFAULTS.control}`,
    `--pid=${DEFAULTS.pid}`,
    `--log=${DEFAULTS.daemonLog}`,
    `--tmpdir=${DEFAULTS.tmpDir}`,
    `--user=${DEFAULTS.user}`,
    // TLS listeners and certificates (Node's OpenSSL).
    '--openssl',
    // settings.http.compression: gzip and deflate (zlib), br; zstd where Node's zlib has it.
    '--zlib',
    '--brotli',
  ];
  if (nodeHasZstd()) flags.push('--zstd');
  return flags;
}

/**
 * The first word is the --title-prefix: "weft" by default; "unit" (drop-in
 * use) makes it "unit version: ...", as the log's "unit <version> started"
 * line and the "unit: main v<version>" title already are. The version is
 * always Weft's own.
 */
export function versionText(titlePrefix: string): string {
  return `${titlePrefix === 'unit' ? 'unit' : 'weft'} version: ${VERSION}\nconfigured as ./configure ${configureFlags().join(' ')}\n`;
}
