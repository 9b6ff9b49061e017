// `type: "external"`: any program, as Unit's config writes it. A Node
// program (node itself, `/usr/bin/env node ...`, a #! node script) gets
// Weft's runtime through NODE_OPTIONS, so its listen() is served as a
// "node" app's is.
import fs from 'node:fs';
import path from 'node:path';

import type { Application } from '../../src/config/types.js';
import type { LaunchSpec, PluginContext, PluginDescriptor } from '../../src/protocol/plugin-api.js';
import { withPreload } from '../../src/protocol/plugin-api.js';
import { stringArray } from '../schema-helpers.js';

interface ExternalApp extends Application {
  executable: string;
  arguments?: string[];
}

export const descriptor: PluginDescriptor = {
  type: 'external',
  version: process.versions.node,
  members: {
    executable: { title: 'Executable', description: 'Path of the program to run (searched in PATH when it has no "/").', type: 'string' },
    arguments: stringArray('Arguments', 'Arguments of the program.'),
  },
  required: ['executable'],
  // A Node program gets Weft's runtime (NODE_OPTIONS), as a "node" app does.
  serving: { engine: true, transport: 'http' },
};

function resolve(executable: string, env: Record<string, string>): string {
  if (executable.includes('/')) return executable;
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const candidate = path.join(dir, executable);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return executable;
}

export function prototypeSetup(app: Application, ctx: PluginContext): void {
  const file = resolve((app as ExternalApp).executable, ctx.env);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch (e) {
    throw new Error(`the executable "${file}" cannot be run: ${(e as NodeJS.ErrnoException).code}`);
  }
}

export function launch(app: Application, ctx: PluginContext): LaunchSpec {
  const a = app as ExternalApp;
  const file = resolve(a.executable, ctx.env);
  return {
    file,
    args: [a.executable, ...(a.arguments ?? [])],
    env: { ...ctx.env, NODE_OPTIONS: withPreload(ctx.env.NODE_OPTIONS, ctx.runtimeEntry) },
  };
}
