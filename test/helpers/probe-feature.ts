// Probe run by features.ts in its own process: exits 0 when the feature works.
import { createProcess } from '../../src/native/index.js';

async function main(): Promise<void> {
  const name = process.argv[2];
  const namespaces =
    name === 'user-namespace' ? { user: true } : { user: true, mount: true, pid: true, net: true, uts: true, ipc: true, cgroup: true };
  const child = await createProcess({
    file: '/bin/true',
    args: ['true'],
    namespaces,
    uidMap: [{ container: 0, host: process.getuid!(), size: 1 }],
    gidMap: [{ container: 0, host: process.getgid!(), size: 1 }],
  });
  const status = await child.exited;
  process.exit(status.code === 0 ? 0 : 1);
}

main().catch((e: Error) => {
  process.stdout.write(e.message);
  process.exit(1);
});
