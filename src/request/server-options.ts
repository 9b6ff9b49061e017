// How Node's HTTP server is set up for connections from clients, in every
// process that accepts them: the same parser limits and timeouts, so that
// a malformed or slow request meets the same answer everywhere.
import type http from 'node:http';

import type { HttpSettings } from './settings.js';

/** Unit reads a request head in up to 4 buffers of 8 KiB (the defaults of large_header_buffers and _size). */
export const MAX_HEADER_SIZE = 32 * 1024;

/**
 * Options for http.createServer. Host is checked by the engine (so that its
 * 400 is Unit's page); bodies are timed by body_read_timeout, not by Node's
 * requestTimeout; Node checks header_read_timeout on an interval, and a
 * second keeps 408s prompt.
 */
export const SERVER_OPTIONS = {
  maxHeaderSize: MAX_HEADER_SIZE,
  requestTimeout: 0,
  connectionsCheckingInterval: 1000,
  requireHostHeader: false,
  insecureHTTPParser: false,
} as const;

/**
 * settings.http on a server: header_read_timeout, idle_timeout,
 * send_timeout, and the head's size limit (Node reads maxHeaderSize when a
 * connection starts, so a new configuration applies to new connections).
 */
export function applyTimeouts(server: http.Server, h: HttpSettings): void {
  (server as unknown as { maxHeaderSize: number }).maxHeaderSize = h.maxHeaderSize;
  server.headersTimeout = h.headerReadTimeoutMs;
  server.keepAliveTimeout = h.idleTimeoutMs;
  // Inactivity while a request is in progress: send_timeout (idle
  // keep-alive connections use idle_timeout instead).
  server.timeout = h.sendTimeoutMs;
}

/** Makes a server someone else created (an app's own) parse as SERVER_OPTIONS say. */
export function applyServerOptions(server: http.Server, h: HttpSettings): void {
  const s = server as unknown as Record<string, unknown>;
  s.requireHostHeader = SERVER_OPTIONS.requireHostHeader;
  s.insecureHTTPParser = SERVER_OPTIONS.insecureHTTPParser;
  s.requestTimeout = SERVER_OPTIONS.requestTimeout;
  applyTimeouts(server, h);
}
