// A request so malformed that it never became one (the parser refused it):
// Unit's error page before the connection closes. 400 for a malformed
// request, 431 for headers too large, 408 when the header does not arrive
// within header_read_timeout; nothing when the client already went away.
// The same bytes whichever process accepted the connection.
import type net from 'node:net';

import { errorPage } from './error-page.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function clientErrorStatus(error: NodeJS.ErrnoException): number | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    default:
      return 400;
  }
}

/** Answers (or just closes) a connection whose request the parser refused. */
export function answerClientError(error: NodeJS.ErrnoException, socket: net.Socket, serverHeader: string): void {
  const status = clientErrorStatus(error);
  if (status === undefined || !socket.writable || (socket as unknown as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const body = errorPage(status);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nServer: ${serverHeader}\r\nContent-Type: text/html\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
