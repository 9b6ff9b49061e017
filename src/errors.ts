import os from 'node:os';

// Every error Weft raises on purpose: a stable code (tests and tools match on
// it, never on the prose), a message that says what and where, and the cause.

export const ErrorCodes = {
  ARGUMENT: 'WEFT_ERR_ARGUMENT',
  NATIVE_LOAD: 'WEFT_ERR_NATIVE_LOAD',
  NATIVE_ARGUMENT: 'WEFT_ERR_NATIVE_ARGUMENT',
  SPAWN: 'WEFT_ERR_SPAWN',
  EXECUTE: 'WEFT_ERR_EXECUTE',
  KILL: 'WEFT_ERR_KILL',
  CHANNEL: 'WEFT_ERR_CHANNEL',
  CHANNEL_FDS_DROPPED: 'WEFT_ERR_CHANNEL_FDS_DROPPED',
  LISTEN: 'WEFT_ERR_LISTEN',
  LISTEN_ADDRESS: 'WEFT_ERR_LISTEN_ADDRESS',
  UNKNOWN_USER: 'WEFT_ERR_UNKNOWN_USER',
  UNKNOWN_GROUP: 'WEFT_ERR_UNKNOWN_GROUP',
  CREDENTIALS: 'WEFT_ERR_CREDENTIALS',
  TITLE: 'WEFT_ERR_TITLE',
  FD: 'WEFT_ERR_FD',
  DAEMON: 'WEFT_ERR_DAEMON',
  SERVICE: 'WEFT_ERR_SERVICE',
  LIFECYCLE: 'WEFT_ERR_LIFECYCLE',
  THREAD_POOL: 'WEFT_ERR_THREAD_POOL',
  PORT: 'WEFT_ERR_PORT',
  /** A peer called a method its process type may not call (protocol/callers.ts). */
  PORT_FORBIDDEN: 'WEFT_ERR_PORT_FORBIDDEN',
  RPC_TIMEOUT: 'WEFT_ERR_RPC_TIMEOUT',
  RPC_CANCELLED: 'WEFT_ERR_RPC_CANCELLED',
  RPC_REMOTE: 'WEFT_ERR_RPC_REMOTE',
  PROCESS_TYPE: 'WEFT_ERR_PROCESS_TYPE',
  PROCESS_START: 'WEFT_ERR_PROCESS_START',
  CLI: 'WEFT_ERR_CLI',
  CONFIG_JSON: 'WEFT_ERR_CONFIG_JSON',
  CONFIG_INVALID: 'WEFT_ERR_CONFIG_INVALID',
  ROUTE_COMPILE: 'WEFT_ERR_ROUTE_COMPILE',
  /** The app's script does not exist or cannot be read. */
  APP_NOT_FOUND: 'WEFT_ERR_APP_NOT_FOUND',
  /** The app's code (or a module it loads) has a syntax error. */
  APP_SYNTAX: 'WEFT_ERR_APP_SYNTAX',
  /** The app threw (or its top-level await rejected) while starting. */
  APP_START: 'WEFT_ERR_APP_START',
  /** The app never called listen() on an HTTP server in time. */
  APP_NO_LISTEN: 'WEFT_ERR_APP_NO_LISTEN',
  /** This Node lacks an internal the app host builds on (see app-runtime/host/response-class.ts). */
  APP_UNSUPPORTED_NODE: 'WEFT_ERR_APP_UNSUPPORTED_NODE',
  /** The app host was used out of order (e.g. loadApp twice, listenOn after the app closed its server). */
  APP_HOST_STATE: 'WEFT_ERR_APP_HOST_STATE',
  /** A python module's interpreter cannot be run where the app runs (missing inside its rootfs, not executable). */
  PYTHON_INTERPRETER: 'WEFT_ERR_PYTHON_INTERPRETER',
  /** A python app's "home" is not a directory, or a virtualenv of another Python version. */
  PYTHON_HOME: 'WEFT_ERR_PYTHON_HOME',
  /** A python app's members do not make an app: neither "module" nor "targets", or both. */
  PYTHON_CONFIG: 'WEFT_ERR_PYTHON_CONFIG',
  /** Python failed to import the app's module (ImportError or any exception while importing; the runtime sends this code). */
  PYTHON_IMPORT: 'WEFT_ERR_PYTHON_IMPORT',
  /** The app's module (or one it imports) has a SyntaxError. */
  PYTHON_SYNTAX: 'WEFT_ERR_PYTHON_SYNTAX',
  /** The module has no such callable, it is not callable, or its factory raised. */
  PYTHON_CALLABLE: 'WEFT_ERR_PYTHON_CALLABLE',
  /** The targets of one app mix WSGI and ASGI. */
  PYTHON_PROTOCOL: 'WEFT_ERR_PYTHON_PROTOCOL',
  /** The ASGI app's lifespan startup failed (lifespan.startup.failed, or it raised): the app is not served. */
  PYTHON_LIFESPAN: 'WEFT_ERR_PYTHON_LIFESPAN',
  /** An application process broke Weft's frames protocol (src/transport/frames/). */
  FRAMES: 'WEFT_ERR_FRAMES',

  /** A certificate bundle cannot be used: no certificate or key, a key of another certificate, a broken chain, unreadable PEM. */
  TLS_BUNDLE: 'WEFT_ERR_TLS_BUNDLE',

  /** A message to the service manager ($NOTIFY_SOCKET) could not be sent. */
  NOTIFY: 'WEFT_ERR_NOTIFY',
  /** A metric was defined or used against Prometheus' rules (name, labels, type). */
  METRICS: 'WEFT_ERR_METRICS',

  /** An application has no process for a request: it cannot start, was removed, or none was free in time (clients: 503). */
  APP_UNAVAILABLE: 'WEFT_ERR_APP_UNAVAILABLE',
  /** A request went to an application process that ended before answering, too often (clients: 502). */
  APP_NO_ANSWER: 'WEFT_ERR_APP_NO_ANSWER',
  /** An application process could not start or ended before it served (main's supervision). */
  APP_PROCESS: 'WEFT_ERR_APP_PROCESS',
  /** An application, generation or prepared configuration that main no longer has. */
  APP_UNKNOWN: 'WEFT_ERR_APP_UNKNOWN',
  /** A proxied server did not answer in time (clients: 504). */
  UPSTREAM_TIMEOUT: 'WEFT_ERR_UPSTREAM_TIMEOUT',
  /** A proxied server's address cannot be used. */
  UPSTREAM_ADDRESS: 'WEFT_ERR_UPSTREAM_ADDRESS',
  /** The router is not running (the configuration cannot be applied now). */
  ROUTER_UNAVAILABLE: 'WEFT_ERR_ROUTER_UNAVAILABLE',
  /** A listener's TLS setup failed while the router applied a configuration. */
  TLS_SETUP: 'WEFT_ERR_TLS_SETUP',
  /** A certificate bundle's name cannot be a file name. */
  CERTIFICATE_NAME: 'WEFT_ERR_CERTIFICATE_NAME',
  /** This host lacks a cgroup controller an application's limits need. */
  CGROUP_UNSUPPORTED: 'WEFT_ERR_CGROUP_UNSUPPORTED',
  /** A thread pool task failed, or its worker thread died. */
  THREAD_TASK: 'WEFT_ERR_THREAD_TASK',
  /** An application plugin (plugins/, --modulesdir) cannot be loaded: what it exports is not a plugin. */
  PLUGIN: 'WEFT_ERR_PLUGIN',
  /** A shared file changed size while it was being sent (the client's answer is cut short). */
  SHARE_FILE_CHANGED: 'WEFT_ERR_SHARE_FILE_CHANGED',
  /** The other side of one of the router's HTTP connections (an app process, an upstream) broke HTTP or closed mid-answer. */
  PEER_HTTP: 'WEFT_ERR_PEER_HTTP',
  /** The control client could not reach or hear the control API. */
  CONTROL_CLIENT: 'WEFT_ERR_CONTROL_CLIENT',
  /** This Node lacks (or changed) an internal Weft has no public replacement for (src/node-internals/catalogue.ts): the process does not start. */
  NODE_INTERNAL: 'WEFT_ERR_NODE_INTERNAL',
  /** This Node lacks (or changed) an internal Weft has a public fallback for: logged once per process, which then takes the slower path. */
  NODE_INTERNAL_FALLBACK: 'WEFT_ERR_NODE_INTERNAL_FALLBACK',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** What a client gets when an error with this code ends its request (codes that never reach a client have none). */
export const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  WEFT_ERR_APP_UNAVAILABLE: 503,
  WEFT_ERR_APP_NO_ANSWER: 502,
  WEFT_ERR_UPSTREAM_TIMEOUT: 504,
};

export class WeftError extends Error {
  override name = 'WeftError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A system call failed: which one, and the errno by number and name. */
export class SyscallError extends WeftError {
  override name = 'SyscallError';
  readonly syscall: string;
  readonly errno: number;
  readonly errnoName: string;

  constructor(
    code: ErrorCode,
    message: string,
    detail: { syscall: string; errno: number; errnoName: string },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.syscall = detail.syscall;
    this.errno = detail.errno;
    this.errnoName = detail.errnoName;
  }
}

/** Process creation failed at a named stage (e.g. "pivot_root", "setuid"). */
export class SpawnError extends SyscallError {
  override name = 'SpawnError';
  readonly stage: string;

  constructor(
    message: string,
    detail: { stage: string; syscall: string; errno: number; errnoName: string },
    options?: { cause?: unknown },
  ) {
    super(ErrorCodes.SPAWN, message, detail, options);
    this.stage = detail.stage;
  }
}

/** A listening socket could not be made; carries the address. */
export class ListenError extends SyscallError {
  override name = 'ListenError';
  readonly address: string;

  constructor(
    message: string,
    detail: { address: string; syscall: string; errno: number; errnoName: string },
    options?: { cause?: unknown },
  ) {
    super(ErrorCodes.LISTEN, message, detail, options);
    this.address = detail.address;
  }
}

export function argumentError(message: string): WeftError {
  return new WeftError(ErrorCodes.ARGUMENT, message);
}

/** The shape of errors the native module throws. */
export interface NativeErrorShape {
  message: string;
  code?: string;
  syscall?: string;
  errno?: number;
  errnoName?: string;
  stage?: string;
  context?: string;
}

export function isNativeError(e: unknown): e is Error & NativeErrorShape {
  return e instanceof Error && typeof (e as NativeErrorShape).syscall === 'string';
}

/** Converts a native syscall error into a typed one with the given code. */
export function fromNative(code: ErrorCode, e: unknown, prefix = ''): unknown {
  if (!isNativeError(e)) return e;
  const message = prefix ? `${prefix}: ${e.message}` : e.message;
  return new SyscallError(code, message, { syscall: e.syscall!, errno: e.errno ?? 0, errnoName: e.errnoName ?? 'UNKNOWN' }, { cause: e });
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/** "EPIPE" for 32, and so on. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}
