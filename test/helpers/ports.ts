// A TCP port the kernel chose, free at the moment of asking (tests bind it
// right away; another program taking it in between is unlikely, and the
// test then fails loudly with EADDRINUSE rather than passing wrongly).
import net from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
