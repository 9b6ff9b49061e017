// JSON Pointers (RFC 6901) name the offending value in validation results:
// "/listeners/*:8080/pass", "/listeners/unix:~1run~1app.sock/pass". They are
// what ajv reports too, so schema errors and cross-checks speak alike.

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** "/a/b~1c" for ["a", "b/c"]; "" for the document itself. */
export function toPointer(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) out += '/' + escapeSegment(String(s));
  return out;
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(unescapeSegment);
}

/** pointer + one more segment. */
export function childPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${escapeSegment(String(segment))}`;
}
