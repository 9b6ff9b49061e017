// A request so malformed that it never became one (the parser refused it):
// Unit's error page before the connection closes. 400 for a malformed
// request, 431 for headers too large, 408 when the header does not arrive
// within header_read_timeout; nothing when the client already went away.
// The same bytes whichever process accepted the connection.
//
// A body the parser refuses (a bad chunk size, chunk data longer than its
// size, a Transfer-Encoding other than chunked) is found after the request
// started: Unit reads the whole body first and answers 400; so does Weft
// while no response head went out (the action in progress then writes to
// a connection that is closing, which drops it). A CONNECT request, whose
// target Unit cannot take, is a 400 too.
import type http from 'node:http';
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
  const inProgress = (socket as unknown as { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
  if (status === undefined || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  writeErrorAndClose(socket, status, serverHeader);
}

/**
 * A new connection that sent nothing within header_read_timeout, found by
 * Weft itself (the router waiting for a connection's first bytes): the 408
 * Node's server reports as ERR_HTTP_REQUEST_TIMEOUT, answered the same.
 */
export function answerHeaderReadTimeout(socket: net.Socket, serverHeader: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  writeErrorAndClose(socket, 408, serverHeader);
}

/** CONNECT (Node hands it over as a raw socket): Unit's 400. */
export function answerConnect(socket: net.Socket, serverHeader: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  writeErrorAndClose(socket, 400, serverHeader);
}

/**
 * A request on a connection whose listener a reconfiguration removed
 * (its socket was idle, or it was relayed or pipelined after): Unit's 408,
 * and the connection closes. Requests already in flight were finished.
 */
export function answerRemovedListener(socket: net.Socket, serverHeader: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  writeErrorAndClose(socket, 408, serverHeader);
}

/** answerRemovedListener() for a request Node's HTTP server parsed (router and application processes alike). */
export function answerRemovedListenerRequest(res: http.ServerResponse, serverHeader: string): void {
  const body = errorPage(408);
  res.shouldKeepAlive = false;
  res.writeHead(408, { Server: serverHeader, 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

function writeErrorAndClose(socket: net.Socket, status: number, serverHeader: string): void {
  const body = errorPage(status);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nServer: ${serverHeader}\r\nContent-Type: text/html\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
