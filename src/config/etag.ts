// A strong ETag for a configuration: equal documents get the same tag
// whatever their members' order, since JSON objects are unordered; any other
// change gives another tag. Clients use it with If-Match so that two
// operators cannot silently overwrite each other's edits. The addon's
// 128-bit digest (no node:crypto in the controller's start).
import { digest } from '../native/digest.js';

/** JSON with object members sorted by name, arrays in order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const members = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${members.join(',')}}`;
}

export function configEtag(doc: unknown): string {
  return `"${digest(canonicalJson(doc)).toString('base64url')}"`;
}
