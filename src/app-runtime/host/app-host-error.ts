// Errors the app host raises: a stable code from Weft's catalogue
// (src/errors.ts; the application process reports it to the router, tests
// match on it), a message that names the app's file and says what went
// wrong, the cause, and where in the app's code when known.
import { ErrorCodes, WeftError } from '../../errors.js';

/** The catalogue's codes for the app host, by their short names. */
export const AppHostErrorCodes = {
  NOT_FOUND: ErrorCodes.APP_NOT_FOUND,
  SYNTAX: ErrorCodes.APP_SYNTAX,
  START: ErrorCodes.APP_START,
  NO_LISTEN: ErrorCodes.APP_NO_LISTEN,
  UNSUPPORTED_NODE: ErrorCodes.APP_UNSUPPORTED_NODE,
  STATE: ErrorCodes.APP_HOST_STATE,
} as const;

export type AppHostErrorCode = (typeof AppHostErrorCodes)[keyof typeof AppHostErrorCodes];

export class AppHostError extends WeftError {
  override name = 'AppHostError';
  declare readonly code: AppHostErrorCode;
  /** The file the problem is in (the app's entry, or the module with the syntax error). */
  readonly file: string | undefined;
  /** 1-based line, when known (syntax errors, the frame that threw). */
  readonly line: number | undefined;

  constructor(code: AppHostErrorCode, message: string, options: { cause?: unknown; file?: string; line?: number } = {}) {
    super(code, message, { cause: options.cause });
    this.file = options.file;
    this.line = options.line;
  }
}
