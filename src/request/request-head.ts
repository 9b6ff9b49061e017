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
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*$/;
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
    const field = FIELD.exec(lines[i]);
    if (!field) return undefined;
    rawHeaders.push(field[1], field[2]);
  }
  return { method: line[1], url: line[2], versionMajor: Number(line[3]), versionMinor: Number(line[4]), rawHeaders };
}
