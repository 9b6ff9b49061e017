// Unit's error page (nxt_http_request_error): every error Weft itself
// produces has this body and "Content-Type: text/html".
export function errorPage(status: number): string {
  const code = String(status).padStart(3, '0');
  return `<!DOCTYPE html><title>Error ${code}</title><p>Error ${code}.\r\n`;
}
