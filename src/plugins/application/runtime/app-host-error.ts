// Errors the app host raises: a stable code (the application process reports
// it to the router, tests match on it), a message that names the app's file
// and says what went wrong, and the cause.
//
// These codes belong with the others in src/errors.ts; they live here until
// that file takes them (it is outside the runtime's boundary), so this class
// mirrors WeftError's shape (code, message, cause) rather than extending it.

export const AppHostErrorCodes = {
  /** The app's script does not exist or cannot be read. */
  NOT_FOUND: 'WEFT_ERR_APP_NOT_FOUND',
  /** The app's code (or a module it loads) has a syntax error. */
  SYNTAX: 'WEFT_ERR_APP_SYNTAX',
  /** The app threw (or its top-level await rejected) while starting. */
  START: 'WEFT_ERR_APP_START',
  /** The app never called listen() on an HTTP server in time. */
  NO_LISTEN: 'WEFT_ERR_APP_NO_LISTEN',
  /** This Node lacks an internal the host builds on (see response-class.ts). */
  UNSUPPORTED_NODE: 'WEFT_ERR_APP_UNSUPPORTED_NODE',
  /** The host was used out of order (e.g. loadApp twice, listenOn after the app closed its server). */
  STATE: 'WEFT_ERR_APP_HOST_STATE',
} as const;

export type AppHostErrorCode = (typeof AppHostErrorCodes)[keyof typeof AppHostErrorCodes];

export class AppHostError extends Error {
  override name = 'AppHostError';
  readonly code: AppHostErrorCode;
  /** The file the problem is in (the app's entry, or the module with the syntax error). */
  readonly file: string | undefined;
  /** 1-based line, when known (syntax errors, the frame that threw). */
  readonly line: number | undefined;

  constructor(
    code: AppHostErrorCode,
    message: string,
    options: { cause?: unknown; file?: string; line?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.line = options.line;
  }
}
