// nginx (Debian's package: apt-get install nginx-light) as a baseline: one
// worker process, as Weft's router is one process, serving a directory or
// answering "return 200", logging nothing, all its files in a temp dir.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort, waitForPort } from './servers.js';
import type { BenchServer } from './servers.js';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** nginx's path, or null when it is not installed (the bench then says so and leaves it out). */
export function findNginx(): string | null {
  for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export async function nginxServer(what: { root: string } | { return: number }): Promise<BenchServer> {
  const nginx = findNginx();
  if (!nginx) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-nginx-'));
  const port = await freePort();
  const location = 'root' in what ? `root ${what.root};` : `return ${what.return};`;
  // As root, nginx's worker runs as nobody: the files served must be world-readable.
  const conf = `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    location / { ${location} }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'inherit' });
  await waitForPort(port);
  return {
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGQUIT');
      }),
  };
}
