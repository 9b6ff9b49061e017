import http from 'node:http';

import type { ProcessHooks } from '../../kernel/process-types/process-type.js';

let server: http.Server | undefined;

export const controllerHooks: ProcessHooks = {
  async setup(ctx) {
    const { fds } = await ctx.port.call(ctx.runtime.mainPid, 'main.control-socket', {});
    const fd = fds[0];
    server = http.createServer((req, res) => {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"error": "The control API is not available yet."}\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen({ fd }, () => resolve());
    });
  },
  async stop() {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  },
};
