// The JSON Schema of a python application's own members (Unit's, with
// Unit's meaning); they join the config schema through the descriptors.
import { stringArray } from '../schema-helpers.js';

const target = {
  title: 'Target',
  description: 'One entry point: module, callable, factory, prefix.',
  type: 'object',
  properties: {
    module: { title: 'Module', description: 'The module to import.', type: 'string' },
    callable: { title: 'Callable', description: 'The name of the app in the module (default "application").', type: 'string' },
    factory: { title: 'Factory', description: 'Call the callable to make the app.', type: 'boolean' },
    prefix: {
      title: 'Prefix',
      description: 'SCRIPT_NAME (WSGI) or root_path (ASGI): a path that starts with "/" and does not end with one.',
      type: 'string',
      pattern: '^/.*[^/]$',
      errorMessage: 'The "prefix" field must start with "/" and must not end with "/".',
    },
  },
  required: ['module'],
  additionalProperties: false,
};

export const pythonMembers: Record<string, Record<string, unknown>> = {
  module: target.properties.module,
  callable: target.properties.callable,
  factory: target.properties.factory,
  prefix: target.properties.prefix,
  home: { title: 'Home', description: 'A virtualenv (its interpreter and site-packages) or another Python home.', type: 'string' },
  path: {
    ...stringArray('Path', 'Directories put first on sys.path: a string or an array of strings.'),
    type: ['string', 'array'],
  },
  protocol: {
    title: 'Protocol',
    description: '"wsgi" or "asgi"; detected from the callable when absent.',
    type: 'string',
    enum: ['wsgi', 'asgi'],
    errorMessage: 'The "protocol" value must be "wsgi" or "asgi".',
  },
  targets: {
    title: 'Targets',
    description: 'Several entry points of one app, by name: "pass": "applications/<app>/<target>".',
    type: 'object',
    additionalProperties: target,
  },
  threads: { title: 'Threads', description: 'Requests one process serves at once (WSGI: a thread pool).', type: 'integer', minimum: 1 },
  thread_stack_size: {
    title: 'Thread stack size',
    description: "Stack size of the app's threads, in bytes (at least 32 KiB, a multiple of 4 KiB).",
    type: 'integer',
    minimum: 32768,
    multipleOf: 4096,
  },
};
