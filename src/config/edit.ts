// Unit's control-API edits of the configuration document (nxt_conf_op_compile
// and nxt_controller_process_config): read, replace, append or remove the
// value at a path. A new document is returned; the old one is never changed,
// and the parts off the path are shared between both.
//
//   PUT    replaces the value, or creates it under an existing parent (an
//          array grows by one when the index is its length);
//   POST   appends to an array; 405 on anything else, and at the root;
//   DELETE removes the value; at the root it leaves {}.
// A missing parent, a missing value to delete or to append to, an index that
// is not a number or is out of range: 404 "Value doesn't exist.".
import { argumentError } from '../errors.js';
import { percentDecode } from './percent.js';

export { configEtag } from './etag.js';

export type EditMethod = 'PUT' | 'POST' | 'DELETE';

export type EditResult = { ok: true; value: unknown } | { ok: false; status: number; error: string };

const NOT_FOUND = { ok: false, status: 404, error: "Value doesn't exist." } as const;
const NOT_ALLOWED = { ok: false, status: 405, error: "Method isn't allowed." } as const;

// nxt_conf_path_next_token: a segment decodes to at most 256 bytes.
const MAX_SEGMENT_BYTES = 256;

/**
 * The segments of a path below /config, percent-decoded: "/listeners/*%3A80"
 * gives ["listeners", "*:80"], "/a%2Fb" gives ["a/b"], "" and "/" give [].
 * Empty, "." and ".." segments are resolved as in a URL, as Unit's HTTP
 * parser does. null when a segment does not decode.
 */
export function splitConfigPath(path: string): string[] | null {
  if (path !== '' && !path.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') {
      segments.pop();
      continue;
    }
    const segment = percentDecode(raw);
    if (segment === null || Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return null;
    segments.push(segment);
  }
  return segments;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** nxt_int_parse: digits only (leading zeros allowed); -1 otherwise. */
function arrayIndex(segment: string): number {
  return /^\d{1,10}$/.test(segment) ? Number(segment) : -1;
}

function child(value: unknown, segment: string): { ok: true; value: unknown } | { ok: false } {
  if (Array.isArray(value)) {
    const index = arrayIndex(segment);
    return index >= 0 && index < value.length ? { ok: true, value: value[index] } : { ok: false };
  }
  if (isObject(value) && Object.hasOwn(value, segment)) return { ok: true, value: value[segment] };
  return { ok: false };
}

export function getAt(doc: unknown, segments: readonly string[]): { ok: true; value: unknown } | { ok: false } {
  let value = doc;
  for (const segment of segments) {
    const next = child(value, segment);
    if (!next.ok) return next;
    value = next.value;
  }
  return { ok: true, value };
}

function setMember(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...object };
  // "__proto__" must become a member, not the copy's prototype.
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The edit applied to `parent`, whose member or element `last` is the target. */
function editLast(parent: unknown, last: string, method: EditMethod, value: unknown): EditResult {
  const target = child(parent, last);
  if (method === 'DELETE') {
    if (!target.ok) return NOT_FOUND;
    if (Array.isArray(parent)) return { ok: true, value: parent.filter((_, i) => i !== arrayIndex(last)) };
    const copy = { ...(parent as Record<string, unknown>) };
    delete copy[last];
    return { ok: true, value: copy };
  }
  if (method === 'POST') {
    if (!target.ok) return NOT_FOUND;
    if (!Array.isArray(target.value)) return NOT_ALLOWED;
    return editLast(parent, last, 'PUT', [...target.value, value]);
  }
  if (Array.isArray(parent)) {
    const index = arrayIndex(last);
    if (index < 0 || index > parent.length) return NOT_FOUND;
    const copy = [...parent];
    copy[index] = value;
    return { ok: true, value: copy };
  }
  if (isObject(parent)) return { ok: true, value: setMember(parent, last, value) };
  return NOT_FOUND;
}

function editAt(node: unknown, segments: readonly string[], method: EditMethod, value: unknown): EditResult {
  const [first, ...rest] = segments;
  if (rest.length === 0) return editLast(node, first, method, value);
  const next = child(node, first);
  if (!next.ok) return NOT_FOUND;
  const edited = editAt(next.value, rest, method, value);
  if (!edited.ok) return edited;
  if (Array.isArray(node)) {
    const copy = [...node];
    copy[arrayIndex(first)] = edited.value;
    return { ok: true, value: copy };
  }
  return { ok: true, value: setMember(node as Record<string, unknown>, first, edited.value) };
}

/**
 * `doc` with the edit at `segments` applied. `value` is the request's
 * parsed body, for PUT and POST.
 */
export function applyEdit(doc: unknown, method: EditMethod, segments: readonly string[], value?: unknown): EditResult {
  if (method !== 'PUT' && method !== 'POST' && method !== 'DELETE') return NOT_ALLOWED;
  if (method !== 'DELETE' && value === undefined) throw argumentError(`${method} needs the value to put`);
  if (segments.length === 0) {
    if (method === 'POST') return NOT_ALLOWED;
    return { ok: true, value: method === 'DELETE' ? {} : value };
  }
  return editAt(doc, segments, method, value);
}
