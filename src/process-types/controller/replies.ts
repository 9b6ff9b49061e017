// The control API's answers, as Unit words them (nxt_controller_response).
import { prettyJson } from '../../config/pretty-json.js';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A body that is not JSON (GET /metrics), written as it is; headers carry its Content-Type. */
  text?: string;
}

export interface ErrorLocation {
  offset?: number;
  line?: number;
  column?: number;
  /** JSON pointer of the offending value (Weft adds this). */
  path?: string;
}

export function success(message: string, headers?: Record<string, string>): Reply {
  return { status: 200, body: { success: message }, headers };
}

export function failure(status: number, error: string, detail?: string, location?: ErrorLocation): Reply {
  const body: Record<string, unknown> = { error };
  if (detail) body.detail = detail;
  if (location) body.location = location;
  return { status, body };
}

export const Replies = {
  reconfigured: (etag?: string) => success('Reconfiguration done.', etag ? { ETag: etag } : undefined),
  notFound: () => failure(404, "Value doesn't exist."),
  invalidPath: () => failure(404, 'Invalid path.'),
  notAllowed: () => failure(405, "Method isn't allowed."),
  invalidMethod: () => failure(405, 'Invalid method.'),
  invalidJson: (detail: string, location: ErrorLocation) => failure(400, 'Invalid JSON.', detail, location),
  invalidConfig: (detail: string, path?: string) => failure(400, 'Invalid configuration.', detail, path ? { path } : undefined),
  applyFailed: (detail?: string) => failure(500, 'Failed to apply new configuration.', detail),
  storeFailed: (detail?: string) => failure(500, 'Failed to store the configuration.', detail),
  preconditionFailed: (detail: string) => failure(412, 'Precondition failed.', detail),
  statusFailed: (detail?: string) => failure(500, 'Failed to get status.', detail),
  metricsFailed: (detail?: string) => failure(500, 'Failed to get metrics.', detail),
  tooLarge: () => failure(413, 'The request body is too large.'),
};

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Internal Server Error';
}

/** The body as Unit writes it: pretty JSON and a final CRLF. */
export function replyBody(reply: Reply): string {
  if (reply.text !== undefined) return reply.text;
  return `${prettyJson(reply.body)}\r\n`;
}
