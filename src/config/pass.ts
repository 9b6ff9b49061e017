// "pass" destinations: "routes", "routes/<name>", "applications/<name>",
// "applications/<name>/<target>", "upstreams/<name>". Segments are split on
// "/" and then percent-decoded, so a name holding "/" is written "%2F"
// (nxt_http_pass_segments).
import { percentDecode } from './percent.js';

/** The decoded segments (1 to 3), or null when the value is malformed. */
export function passSegments(pass: string): string[] | null {
  const raw = pass.split('/');
  if (raw.length > 3) return null;
  const segments: string[] = [];
  for (const segment of raw) {
    if (segment.length === 0) return null;
    const decoded = percentDecode(segment);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  return segments;
}
