// `type: "external"`: any program, as Unit's config writes it; a Node
// program gets Weft's loader injected.
import { stringArray } from '../schema-helpers.js';

export const descriptor = {
  type: 'external',
  version: process.versions.node,
  members: {
    executable: { title: 'Executable', description: 'Path of the program to run.', type: 'string' },
    arguments: stringArray('Arguments', 'Arguments of the program.'),
  },
  required: ['executable'],
};
