// A request head read from raw bytes, before any HTTP server sees them: a
// router reads a connection's first bytes this way to decide who serves
// the connection (route-preview.ts). It is strict and small on purpose:
// anything unusual (a head split over reads, folded or odd fields, bare LF)
// is "unknown", and the connection takes the ordinary path, where Node's
// parser judges it. The process that serves the connection parses it again
// with Node's parser, so nothing here decides an answer.

export interface RequestHead {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  /** Names and values, alternating, as Node's rawHeaders. */
  rawHeaders: string[];
}

const REQUEST_LINE = /^([A-Z]{1,20}) ([^\s]+) HTTP\/(\d)\.(\d)$/;
// Patterns without nested or adjacent open-ended repeats: linear in the line
// (a value trimmed with one lazy regex would backtrack quadratically on a
// long run of spaces).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const UNSAFE = /[\r\n\0]/;
const END = Buffer.from('\r\n\r\n', 'latin1');

/** The head at the start of `data`, or undefined when it is not all there, larger than `limit`, or unusual. */
export function readRequestHead(data: Buffer, limit: number): RequestHead | undefined {
  const end = data.indexOf(END);
  if (end < 0 || end > limit) return undefined;
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const line = REQUEST_LINE.exec(lines[0]);
  if (!line) return undefined;
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const field = lines[i];
    const colon = field.indexOf(':');
    if (colon <= 0 || !TOKEN.test(field.slice(0, colon)) || UNSAFE.test(field)) return undefined;
    let from = colon + 1;
    let to = field.length;
    while (from < to && isBlank(field.charCodeAt(from))) from++;
    while (to > from && isBlank(field.charCodeAt(to - 1))) to--;
    rawHeaders.push(field.slice(0, colon), field.slice(from, to));
  }
  return { method: line[1], url: line[2], versionMajor: Number(line[3]), versionMinor: Number(line[4]), rawHeaders };
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
