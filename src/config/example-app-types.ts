// EXAMPLE AND TEST DATA, not the real plugins: two application types of the
// shape application plugins register (they will bring their own). The tests
// and the schema corpus validate against these.
import type { AppTypeSchema } from './app-types.js';

function stringArray(member: string): object {
  return {
    title: member,
    description: `Array of strings.`,
    type: 'array',
    items: { type: 'string', errorMessage: `The "${member}" array must contain only string values.` },
  };
}

/** Any executable that speaks the application protocol (Unit's "external"). */
export const EXAMPLE_EXTERNAL_APP_TYPE: AppTypeSchema = {
  type: 'external',
  version: '1.35.0',
  members: {
    executable: {
      title: 'Executable',
      description: 'Path of the program to run.',
      type: 'string',
    },
    arguments: { ...stringArray('arguments'), title: 'Arguments', description: 'Arguments of the program.' },
  },
  required: ['executable'],
};

/** A Node.js script, run unmodified. */
export const EXAMPLE_NODE_APP_TYPE: AppTypeSchema = {
  type: 'node',
  version: '20.20.2',
  members: {
    script: {
      title: 'Script',
      description: 'Path of the entry script.',
      type: 'string',
    },
    arguments: { ...stringArray('arguments'), title: 'Arguments', description: 'Arguments of the script.' },
    node_options: {
      ...stringArray('node_options'),
      title: 'Node options',
      description: 'Options for node itself, e.g. "--max-old-space-size=512".',
    },
  },
  required: ['script'],
};

export const EXAMPLE_APP_TYPES: readonly AppTypeSchema[] = [EXAMPLE_EXTERNAL_APP_TYPE, EXAMPLE_NODE_APP_TYPE];
