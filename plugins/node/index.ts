// The Node.js application plugin: `type: "node"` runs an app as it is:
// `node [node_options] --require <Weft's runtime> <script> [arguments]`.
import fs from 'node:fs';

import type { Application } from '../../src/config/types.js';
import type { LaunchSpec, PluginContext, PluginDescriptor } from '../../src/protocol/plugin-api.js';
import { stringArray } from '../schema-helpers.js';

interface NodeApp extends Application {
  script: string;
  arguments?: string[];
  node_options?: string[];
}

export const descriptor: PluginDescriptor = {
  type: 'node',
  version: process.versions.node,
  members: {
    script: { title: 'Script', description: "Path of the app's entry script (CommonJS or ES module).", type: 'string' },
    arguments: stringArray('Arguments', 'Arguments passed to the script (process.argv after the script).'),
    node_options: stringArray('Node options', 'Options for node itself, e.g. "--max-old-space-size=512".'),
  },
  required: ['script'],
  // Weft's runtime is preloaded into the app's Node: it runs the request engine and serves HTTP/1.1.
  serving: { engine: true, transport: 'http' },
};

export function prototypeSetup(app: Application): void {
  const { script } = app as NodeApp;
  // Seen from inside the app's root and as the app's user, this is what node will open.
  try {
    fs.accessSync(script, fs.constants.R_OK);
  } catch (e) {
    throw new Error(`the script "${script}" cannot be read: ${(e as NodeJS.ErrnoException).code}`);
  }
}

export function launch(app: Application, ctx: PluginContext): LaunchSpec {
  const a = app as NodeApp;
  return {
    file: ctx.nodePath,
    args: [ctx.nodePath, ...(a.node_options ?? []), '--require', ctx.runtimeEntry, a.script, ...(a.arguments ?? [])],
    env: ctx.env,
  };
}
