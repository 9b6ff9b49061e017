// Every Node internal Weft touches, in one list: what it is, which
// processes use it, where, why no public API replaces it, and what happens
// on a Node that lacks or changed it. docs/node-versions.md summarises it
// for users; test/node-internals.test.ts checks each probe on the running
// Node and that each fallback serves.
import { httpParser } from './http-parser.js';
import { addHeaderLine, outgoingHeader, serverCheckingInterval, socketHandleFd, socketHttpMessage } from './http-private-fields.js';
import { outHeaders, serverResponseClass } from './http-server-response.js';
import { moduleLoad, moduleResolveFilename, moduleRunMain } from './module-loader.js';
import { netServerFields } from './net-server-fields.js';
import type { NodeInternal } from './node-internal.js';

export const NODE_INTERNALS: readonly NodeInternal[] = [
  httpParser,
  netServerFields,
  serverResponseClass,
  outHeaders,
  moduleRunMain,
  moduleLoad,
  moduleResolveFilename,
  outgoingHeader,
  socketHttpMessage,
  addHeaderLine,
  socketHandleFd,
  serverCheckingInterval,
];
