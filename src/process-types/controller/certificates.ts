// The /certificates store as the controller serves it: parsed bundles in
// memory (what GET shows), files kept by main. A bundle that the
// configuration uses cannot be deleted; replacing one makes the router load
// it again.
import { getAt, splitConfigPath } from '../../config/edit.js';
import { BundleError, parseBundle } from '../../tls/bundle.js';
import type { ParsedBundle } from '../../tls/bundle.js';
import { failure, success } from './replies.js';
import type { Reply } from './replies.js';

const MAX_BUNDLE = 1024 * 1024;

export interface CertificateBackends {
  store(name: string, pem: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** The names the configuration in force uses. */
  inUse(): Set<string>;
  /** Apply the configuration again (the router rereads bundles). */
  reapply(): Promise<void>;
}

export class CertificateService {
  #bundles = new Map<string, ParsedBundle>();
  #backends: CertificateBackends;

  constructor(backends: CertificateBackends, stored: Record<string, string>, onBadStored: (name: string, why: string) => void) {
    this.#backends = backends;
    for (const [name, pem] of Object.entries(stored)) {
      try {
        this.#bundles.set(name, parseBundle(pem));
      } catch (e) {
        onBadStored(name, (e as Error).message);
      }
    }
  }

  names(): Set<string> {
    return new Set(this.#bundles.keys());
  }

  all(): Record<string, unknown> {
    return Object.fromEntries([...this.#bundles].map(([name, b]) => [name, b.info]));
  }

  get(path: string): Reply {
    if (path === '' || path === '/') return { status: 200, body: this.all() };
    const [name, ...rest] = path.slice(1).split('/');
    const bundle = this.#bundles.get(decodeURIComponent(name));
    if (!bundle) return failure(404, "Certificate doesn't exist.");
    if (rest.length === 0) return { status: 200, body: bundle.info };
    const segments = splitConfigPath(`/${rest.join('/')}`);
    const found = segments === null ? { ok: false as const } : getAt(bundle.info, segments);
    return found.ok ? { status: 200, body: found.value } : failure(404, 'Invalid path.');
  }

  async put(path: string, body: Buffer): Promise<Reply> {
    const name = this.#name(path);
    if (name === null) return failure(400, 'Invalid certificate name.');
    if (body.length > MAX_BUNDLE) return failure(413, 'Certificate bundle is too large.');
    let parsed: ParsedBundle;
    try {
      parsed = parseBundle(body.toString('utf8'));
    } catch (e) {
      if (e instanceof BundleError) return failure(400, 'Invalid certificate.', e.message);
      throw e;
    }
    const previous = this.#bundles.get(name);
    try {
      await this.#backends.store(name, body.toString('utf8'));
    } catch (e) {
      return failure(500, 'Failed to store certificate.', (e as Error).message);
    }
    this.#bundles.set(name, parsed);
    if (!this.#backends.inUse().has(name)) return success('Certificate chain uploaded.');
    try {
      await this.#backends.reapply();
    } catch (e) {
      // The router keeps the old contexts; say so rather than pretend.
      if (previous) this.#bundles.set(name, previous);
      return failure(500, 'Certificate stored but not applied.', (e as Error).message);
    }
    return success('Certificate chain updated.');
  }

  async delete(path: string): Promise<Reply> {
    const name = this.#name(path);
    if (name === null) return failure(400, 'Invalid certificate name.');
    if (!this.#bundles.has(name)) return failure(404, "Certificate doesn't exist.");
    if (this.#backends.inUse().has(name)) return failure(400, 'Certificate is used in the configuration.');
    try {
      await this.#backends.delete(name);
    } catch (e) {
      return failure(500, 'Failed to delete certificate.', (e as Error).message);
    }
    this.#bundles.delete(name);
    return success('Certificate deleted.');
  }

  #name(path: string): string | null {
    if (!path.startsWith('/') || path.indexOf('/', 1) >= 0) return null;
    let name: string;
    try {
      name = decodeURIComponent(path.slice(1));
    } catch {
      return null;
    }
    if (name === '' || name.startsWith('.') || name.includes('/') || Buffer.byteLength(name) > 255) return null;
    return name;
  }
}

/** Certificate names the listeners of a configuration use. */
export function certificatesInUse(config: unknown): Set<string> {
  const out = new Set<string>();
  const listeners = (config as { listeners?: Record<string, { tls?: { certificate?: string | string[] } }> }).listeners ?? {};
  for (const l of Object.values(listeners)) {
    const c = l.tls?.certificate;
    for (const name of Array.isArray(c) ? c : c === undefined ? [] : [c]) out.add(name);
  }
  return out;
}
