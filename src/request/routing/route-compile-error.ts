// A route configuration the router cannot compile. The controller's
// validator rejects these first; this error still names the JSON path of
// the offending value (as the control API spells it under /config) and
// says what is wrong with it.
import { ErrorCodes, WeftError } from '../../errors.js';

export class RouteCompileError extends WeftError {
  override name = 'RouteCompileError';
  /** e.g. "routes/main/0/match/source/1" */
  readonly path: string;

  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    const where = path ? ` "${path}"` : '';
    super(ErrorCodes.ROUTE_COMPILE, `Cannot compile${where}: ${detail}`, options);
    this.path = path;
  }
}

/** A problem found in one value, before its path is known. */
export class PatternError extends Error {
  override name = 'PatternError';
}

/** One step of a JSON path; "/" and "%" in names are percent-encoded as the control API does. */
export function pathStep(parent: string, key: string | number): string {
  const step = typeof key === 'number' ? String(key) : key.replace(/%/g, '%25').replace(/\//g, '%2F');
  return parent ? `${parent}/${step}` : step;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
