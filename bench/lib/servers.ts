// Servers for benchmarks: a Node script on a free port, or weftd with a
// configuration; each stopped (and its files removed) when done.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface BenchServer {
  port: number;
  /** The server's process (weftd's main): its tree is what the CPU figures count. */
  pid: number;
  stop(): Promise<void>;
}

/** Ports handed out in this run: the kernel may give a port let go again, and two listeners on one port fail. */
const given = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    if (given.has(port)) continue;
    given.add(port);
    return port;
  }
}

export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export async function nodeServer(script: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env, PORT: String(port) }, stdio: 'inherit' });
  await waitForPort(port);
  return { port, pid: child.pid!, stop: () => stopChild(child, 'SIGTERM') };
}

/** weftd with the config `config(port)` makes for a free port; `controlSocket` is its control API. */
/** `wait: false` returns at once (the caller times the start itself); `stateDir`: one that outlives this server (a restart's). */
export async function weftServer(
  config: (port: number, dir: string) => unknown,
  options: { wait?: boolean; stateDir?: string; args?: string[] } = {},
): Promise<BenchServer & { controlSocket: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config(port, dir)));
  // As a user starts it: bin/weftd as a program (its shell line), with this Node.
  const child = spawn(
    path.join(repoRoot, 'bin', 'weftd'),
    [
      '--no-daemon',
      '--config',
      file,
      '--control',
      `unix:${dir}/control.sock`,
      '--statedir',
      options.stateDir ?? `${dir}/state`,
      '--pid',
      `${dir}/pid`,
      '--log',
      `${dir}/log`,
      ...(options.args ?? []),
    ],
    { stdio: 'inherit', env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` } },
  );
  if (options.wait !== false) await waitForPort(port);
  return {
    port,
    pid: child.pid!,
    dir,
    controlSocket: `${dir}/control.sock`,
    stop: async () => {
      await stopChild(child, 'SIGQUIT');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
