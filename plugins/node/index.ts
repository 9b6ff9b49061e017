// The Node.js application plugin: `type: "node"` runs an app as it is.
import { stringArray } from '../schema-helpers.js';

export const descriptor = {
  type: 'node',
  version: process.versions.node,
  members: {
    script: { title: 'Script', description: 'Path of the app\'s entry script (CommonJS or ES module).', type: 'string' },
    arguments: stringArray('Arguments', 'Arguments passed to the script (process.argv after the script).'),
    node_options: stringArray('Node options', 'Options for node itself, e.g. "--max-old-space-size=512".'),
  },
  required: ['script'],
};
