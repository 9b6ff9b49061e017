// Servers for listeners: Node's HTTP/1.1 server on an fd from main.
import http from 'node:http';

import type { RouterState } from '../router-state.js';
import type { ServerFactory } from '../listeners/listener-set.js';

export function serverFactory(state: RouterState): ServerFactory {
  return (address, _kind, fd) => {
    const server = http.createServer((req, res) => {
      const conf = state.current;
      if (!conf) {
        res.destroy();
        return;
      }
      state.counters.requestStarted(req.socket);
      res.once('close', () => state.counters.requestFinished(req.socket));
      conf.handle(address, req, res);
    });
    server.on('connection', (socket) => state.counters.connection(socket));
    server.listen({ fd });
    return server;
  };
}
