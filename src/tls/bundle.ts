// A certificate bundle as Unit's /certificates store takes it: one PEM text
// with the certificate chain (leaf first) and the private key. Parsed with
// Node's crypto; what GET /certificates shows is built from the parse.
import type crypto from 'node:crypto';

import { ErrorCodes, WeftError } from '../errors.js';

export interface NameInfo {
  common_name?: string;
  country?: string;
  state_or_province?: string;
  locality?: string;
  organization?: string;
  department?: string;
  alt_names?: string[];
}

export interface CertificateInfo {
  subject: NameInfo;
  issuer: NameInfo;
  validity: { since: string; until: string };
}

export interface BundleInfo {
  key: string;
  chain: CertificateInfo[];
}

export interface ParsedBundle {
  info: BundleInfo;
  /**
   * Names the leaf certificate is valid for, for SNI, as Unit takes them
   * (nxt_openssl_cert_get_names): its DNS subjectAltNames when it has any,
   * its common name only when it has none.
   */
  serverNames: string[];
}

/** What the control API answers as 400 "Invalid certificate." with the message as its detail. */
export class BundleError extends WeftError {
  override name = 'BundleError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.TLS_BUNDLE, message, options);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** `text`: Node's one-field-a-line form; undefined for an empty name (a certificate may name itself only in its SANs). */
function parseName(text: string | undefined): NameInfo {
  const fields = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const out: NameInfo = {};
  const map: Array<[keyof NameInfo, string]> = [
    ['common_name', 'CN'],
    ['country', 'C'],
    ['state_or_province', 'ST'],
    ['locality', 'L'],
    ['organization', 'O'],
    ['department', 'OU'],
  ];
  for (const [key, short] of map) {
    const v = fields.get(short);
    if (v !== undefined) (out as Record<string, string>)[key] = v;
  }
  return out;
}

function altNames(cert: crypto.X509Certificate): string[] {
  if (!cert.subjectAltName) return [];
  return cert.subjectAltName
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

// Unit's form: "Nov 27 05:03:37 2026 GMT" (OpenSSL's ASN1_TIME_print).
function validityDate(text: string): string {
  return text;
}

function keyDescription(key: crypto.KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `RSA (${d.modulusLength} bits)`;
    case 'ec':
      return `ECDH (${d.namedCurve === 'prime256v1' ? 256 : d.namedCurve === 'secp384r1' ? 384 : d.namedCurve === 'secp521r1' ? 521 : 0} bits)`;
    case 'dsa':
      return `DSA (${d.modulusLength} bits)`;
    default:
      return String(key.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

/**
 * Parses and checks a bundle: a chain that is consistent and a key that
 * belongs to its leaf. Whatever the text, the only error is a BundleError:
 * an upload never reaches the API as an internal error.
 */
export function parseBundle(pem: string): ParsedBundle {
  try {
    return parseChecked(pem);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError(`the bundle cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

function parseChecked(pem: string): ParsedBundle {
  // node:crypto loads with the first bundle (~8 ms and 0.7 MiB), not in every process that may parse one.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { X509Certificate, createPrivateKey } = require('node:crypto') as typeof crypto;
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const certs: crypto.X509Certificate[] = [];
  let key: crypto.KeyObject | undefined;
  for (const [block, kind] of blocks) {
    if (kind === 'CERTIFICATE') {
      try {
        certs.push(new X509Certificate(block));
      } catch (e) {
        throw new BundleError(`a certificate in the bundle cannot be read: ${(e as Error).message}`);
      }
    } else if (kind.endsWith('PRIVATE KEY')) {
      if (key) throw new BundleError('the bundle holds more than one private key');
      try {
        key = createPrivateKey(block);
      } catch (e) {
        throw new BundleError(`the private key cannot be read: ${(e as Error).message}`);
      }
    }
  }
  if (certs.length === 0) throw new BundleError('the bundle holds no certificate');
  if (!key) throw new BundleError('the bundle holds no private key');
  if (!certs[0].checkPrivateKey(key)) throw new BundleError('the private key does not match the first certificate');
  for (let i = 1; i < certs.length; i++) {
    if (!certs[i - 1].checkIssued(certs[i])) {
      throw new BundleError(`certificate ${i + 1} of the chain did not issue certificate ${i}`);
    }
  }
  const chain = certs.map((c) => {
    const subject = parseName(c.subject);
    const names = altNames(c);
    if (names.length > 0) subject.alt_names = names;
    return { subject, issuer: parseName(c.issuer), validity: { since: validityDate(c.validFrom), until: validityDate(c.validTo) } };
  });
  const leaf = chain[0].subject;
  const names = leaf.alt_names ?? (leaf.common_name ? [leaf.common_name] : []);
  const serverNames = names.map((n) => n.toLowerCase());
  return { info: { key: keyDescription(key), chain }, serverNames };
}

/**
 * Does a certificate name (possibly "*.example.com") cover a requested
 * server name? Without case; a wildcard stands for exactly one leading
 * label, so "*.example.com" does not cover "example.com".
 */
export function nameMatches(pattern: string, serverName: string): boolean {
  const name = serverName.toLowerCase();
  if (pattern === name) return true;
  if (pattern.startsWith('*.')) {
    const dot = name.indexOf('.');
    return dot > 0 && name.slice(dot) === pattern.slice(1);
  }
  return false;
}
