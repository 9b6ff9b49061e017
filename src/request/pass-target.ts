// Where a "pass" goes: "routes", "routes/<name>", "applications/<name>"
// (optionally "/<target>"), "upstreams/<name>". A pass without variables is
// resolved once per configuration; one with variables ("routes/$host") per
// request, and an unknown destination is then a 404, as in Unit.
//
// Segments are split on "/" and then percent-decoded (nxt_http_pass_segments),
// so a name holding "/" is written "%2F": "applications/loader%2Funit_http"
// names the application "loader/unit_http".
import { compileTemplate, fromByteString } from './routing/index.js';
import type { VariableContext } from './routing/index.js';

export type Destination =
  | { kind: 'routes'; name: string | undefined }
  | { kind: 'application'; name: string; target: string | undefined }
  | { kind: 'upstream'; name: string };

const HEX = /^[0-9A-Fa-f]{2}$/;

/** A segment (a byte string) percent-decoded and read as UTF-8, as names are configured; null when malformed. */
function decodeSegment(segment: string): string | null {
  if (segment.length === 0) return null;
  if (!segment.includes('%')) return fromByteString(segment);
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return null;
    out += String.fromCharCode(parseInt(hex, 16));
    i += 2;
  }
  return fromByteString(out);
}

export function parseDestination(text: string): Destination | null {
  if (text === 'routes') return { kind: 'routes', name: undefined };
  const raw = text.split('/');
  if (raw.length < 2 || raw.length > 3) return null;
  const segments: string[] = [];
  for (const s of raw) {
    const decoded = decodeSegment(s);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  const [head, name, target] = segments;
  if (head === 'routes' && target === undefined) return { kind: 'routes', name };
  if (head === 'upstreams' && target === undefined) return { kind: 'upstream', name };
  if (head === 'applications') return { kind: 'application', name, target };
  return null;
}

export type PassTarget = (ctx: VariableContext) => Destination | null;

export function compilePass(text: string, path: string): PassTarget {
  const template = compileTemplate(text, path);
  if (template.constant !== undefined) {
    const fixed = parseDestination(template.constant);
    return () => fixed;
  }
  return (ctx) => parseDestination(template(ctx));
}
