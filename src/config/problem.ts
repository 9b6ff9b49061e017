// A validation problem: Unit's message and the JSON Pointer of the value it
// is about. Validation reports the first one as a value, never by throwing.

export interface Problem {
  /** Unit's wording, e.g. `The "timeout" value must be an integer number, but not a string.` */
  detail: string;
  /** JSON Pointer (RFC 6901) of the offending value, e.g. "/listeners/*:8080/pass". */
  path: string;
}

export function problem(detail: string, path: string): Problem {
  return { detail, path };
}
