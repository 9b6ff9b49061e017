// settings.http with Unit's defaults (seconds become milliseconds here).
import { compileCompression } from './compression.js';
import type { Compression } from './compression.js';

export interface HttpSettings {
  headerReadTimeoutMs: number;
  bodyReadTimeoutMs: number;
  sendTimeoutMs: number;
  idleTimeoutMs: number;
  proxyReadTimeoutMs: number;
  maxBodySize: number;
  discardUnsafeFields: boolean;
  logRoute: boolean;
  serverVersion: boolean;
  mimeTypes: Record<string, string | string[]>;
  /** large_header_buffer_size: the longest request line or header field (Unit: 414, 431 beyond). */
  largeHeaderBufferSize: number;
  /** large_header_buffer_size × large_header_buffers: the whole request head (Node's maxHeaderSize; 431 beyond). */
  maxHeaderSize: number;
  /** settings.http.compression with compressors; undefined: responses go out as made. */
  compression: Compression | undefined;
}

interface RawHttp {
  header_read_timeout?: number;
  body_read_timeout?: number;
  send_timeout?: number;
  idle_timeout?: number;
  proxy_read_timeout?: number;
  max_body_size?: number;
  discard_unsafe_fields?: boolean;
  log_route?: boolean;
  server_version?: boolean;
  static?: { mime_types?: Record<string, string | string[]> };
  large_header_buffer_size?: number;
  large_header_buffers?: number;
  compression?: Parameters<typeof compileCompression>[0];
}

export function httpSettings(settings: { http?: RawHttp } | undefined): HttpSettings {
  const h = settings?.http ?? {};
  return {
    headerReadTimeoutMs: (h.header_read_timeout ?? 30) * 1000,
    bodyReadTimeoutMs: (h.body_read_timeout ?? 30) * 1000,
    sendTimeoutMs: (h.send_timeout ?? 30) * 1000,
    idleTimeoutMs: (h.idle_timeout ?? 180) * 1000,
    proxyReadTimeoutMs: (h.proxy_read_timeout ?? 30) * 1000,
    maxBodySize: h.max_body_size ?? 8 * 1024 * 1024,
    discardUnsafeFields: h.discard_unsafe_fields ?? true,
    logRoute: h.log_route ?? false,
    serverVersion: h.server_version ?? true,
    mimeTypes: h.static?.mime_types ?? {},
    largeHeaderBufferSize: h.large_header_buffer_size ?? 8192,
    maxHeaderSize: (h.large_header_buffer_size ?? 8192) * (h.large_header_buffers ?? 4),
    compression: compileCompression(h.compression),
  };
}
