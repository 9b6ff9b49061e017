// The prototype: one per application generation, created by main inside
// the application's isolation (namespaces, rootfs, cgroup) and with its
// credentials. Its plugin checks what the app needs there, once; then it
// starts the application processes (inside the same isolation, as its
// children) whenever the router asks for one.
import type { ProcessTypeDefinition } from '../../kernel/process-types/process-type.js';
import { hooksModule } from '../../kernel/process-types/hooks-module.js';
import { defaultEntry } from '../../kernel/processes/process-manager.js';
import { insidePath, isolationOptions } from '../../isolation/app-isolation.js';
import type { PrototypeOptions } from '../../protocol/application.js';
import { inheritedEnv } from '../../kernel/processes/environment.js';

export const prototypeProcess: ProcessTypeDefinition = {
  id: 'process.prototype',
  type: 'prototype',
  cls: 'app',
  peers: ['router'],
  handshake: 'created',
  restart: false,
  // Credentials come from the application's config, not from --user.
  privileged: true,
  name: (o) => `"${(o as PrototypeOptions).app}" prototype`,
  load: async () => hooksModule((await import('./prototype-hooks.js')).prototypeHooks),
  main: {
    spawnOptions: (o) => {
      const p = o as PrototypeOptions;
      const options = isolationOptions(p.app, p.config, p.credentials, p.cgroupDirs, p.modulesDir, p.moduleDeps);
      const inRoot = options.rootfs !== undefined;
      return {
        ...options,
        // Inside a rootfs, Weft's files are where isolation.ts binds them.
        ...(inRoot ? { args: [process.execPath, insidePath(defaultEntry(), p.modulesDir)] } : {}),
        // The app's "environment" is for its processes, not for Weft's own code.
        env: inheritedEnv(),
        cwd: p.config.working_directory ?? '/',
      };
    },
  },
};
