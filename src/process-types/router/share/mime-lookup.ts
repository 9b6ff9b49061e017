// Content types by file extension (nxt_http_static_mtype_get): the
// built-in table, then settings.http.static.mime_types on top, a later
// entry replacing an earlier one for the same extension. Keys compare
// without ASCII case (Unit hashes and compares them case-insensitively), as
// byte strings like the paths they are looked up for. An unknown extension
// has the type "": Unit then sends no Content-Type, and "types" patterns
// see the empty string.
import { asciiLower, toByteString } from '../../../request/routing/byte-string.js';
import { BUILTIN_MIME_TYPES } from './mime-table.js';

/** What follows the last "." of the last segment, dot included; the whole last segment when it has no dot. */
export function extensionOf(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path.charCodeAt(i);
    if (c === 0x2e) return path.slice(i);
    if (c === 0x2f) return path.slice(i + 1);
  }
  return path;
}

export class MimeLookup {
  readonly #byExtension = new Map<string, string>();

  constructor(custom: Record<string, string | string[]> = {}) {
    for (const [type, extensions] of BUILTIN_MIME_TYPES) this.#add(type, extensions);
    for (const [type, extensions] of Object.entries(custom)) {
      this.#add(type, typeof extensions === 'string' ? [extensions] : extensions);
    }
  }

  #add(type: string, extensions: readonly string[]): void {
    const value = toByteString(type);
    for (const extension of extensions) this.#byExtension.set(asciiLower(toByteString(extension)), value);
  }

  /** The type for a file path (a byte string), or "" when its extension is unknown. */
  typeOf(path: string): string {
    return this.#byExtension.get(asciiLower(extensionOf(path))) ?? '';
  }
}
