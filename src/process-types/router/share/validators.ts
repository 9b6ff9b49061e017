// The validators Unit puts on a file (nxt_http_static_send_ready): an ETag
// of the mtime in seconds and the size, both in lowercase hex
// ("\"66f1a2b3-1000\""), and a Last-Modified date. Unit formats the date
// from local time (nxt_localtime) but labels it GMT, wrong on a machine
// whose zone is not UTC; Weft writes the real UTC time.
//
// Unit 1.35 then ignores both when a client sends them back. Weft answers
// the two cache revalidation headers (RFC 9110 13.1.2 and 13.1.3) with 304,
// which a client that sends them is ready for: If-None-Match (weak
// comparison, "*" for any) and, only when it is absent, If-Modified-Since.
// If-Match, If-Unmodified-Since, Range and If-Range stay ignored, as in
// Unit: every other request gets the whole file with 200.
import type { IncomingHttpHeaders } from 'node:http';

export function etagOf(mtimeSeconds: number, size: number): string {
  return `"${mtimeSeconds.toString(16)}-${size.toString(16)}"`;
}

export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

function matchesAnyTag(header: string, etag: string): boolean {
  if (header === etag) return true;
  for (const raw of header.split(',')) {
    let tag = raw.trim();
    if (tag === '*') return true;
    if (tag.startsWith('W/')) tag = tag.slice(2);
    if (tag === etag) return true;
  }
  return false;
}

/** True when the client's copy is current and a 304 is the answer. */
export function notModified(headers: IncomingHttpHeaders, etag: string, lastModified: string, mtimeSeconds: number): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return matchesAnyTag(inm, etag);
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  if (ims === lastModified) return true;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && mtimeSeconds * 1000 <= since;
}
