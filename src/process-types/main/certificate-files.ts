// Certificate bundles in the state dir (<statedir>/certs/<name>, mode 0600),
// read and written by main only: the controller and the router run
// unprivileged and get the bundles through main.
import fs from 'node:fs';
import path from 'node:path';

import { writeFileAtomic } from './atomic-file.js';
import { ErrorCodes, WeftError } from '../../errors.js';

export class CertificateFiles {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'certs');
  }

  #file(name: string): string {
    // Names are checked by the controller; refuse anything that could leave the dir all the same.
    if (name === '' || name.includes('/') || name.startsWith('.') || name.includes('\0')) {
      throw new WeftError(ErrorCodes.CERTIFICATE_NAME, `"${name}" is not a certificate name`);
    }
    return path.join(this.dir, name);
  }

  list(): Record<string, string> {
    const out: Record<string, string> = {};
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      out[name] = fs.readFileSync(path.join(this.dir, name), 'utf8');
    }
    return out;
  }

  get(names: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of names) out[name] = fs.readFileSync(this.#file(name), 'utf8');
    return out;
  }

  store(name: string, pem: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.#file(name), pem, { mode: 0o600 });
  }

  delete(name: string): void {
    fs.rmSync(this.#file(name), { force: true });
  }
}
