// In routed mode one connection carries many clients' requests, so the
// router names the client of each request in a header; the app sees it
// where Node apps look: req.socket.remoteAddress, remotePort, encrypted
// (Express's req.ip, Fastify's request.ip). req.socket becomes a view of
// the real socket that answers those three differently.
import type http from 'node:http';

export function clientView(req: http.IncomingMessage, header: string): void {
  const [address, port, scheme] = header.split(' ');
  if (!address) return;
  const real = req.socket;
  const view = Object.create(real, {
    remoteAddress: { value: address === 'unix:' ? undefined : address },
    remotePort: { value: Number(port) || undefined },
    encrypted: { value: scheme === 'https' ? true : undefined },
  }) as typeof real;
  Object.defineProperty(req, 'socket', { value: view, configurable: true, writable: true });
  Object.defineProperty(req, 'connection', { value: view, configurable: true, writable: true });
}
