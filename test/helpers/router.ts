// A weftd with a configuration applied, for router tests.
import type { ExecutionContext } from 'ava';

import { controlRequest } from '../../src/cli/control-client.js';
import { startWeftd } from './weftd.js';
import type { StartOptions, Weftd } from './weftd.js';

export async function applyConfig(w: Weftd, config: unknown, path = '/config'): Promise<void> {
  const r = await controlRequest({ socketPath: w.controlPath }, 'PUT', path, JSON.stringify(config));
  if (r.status !== 200) throw new Error(`PUT ${path} failed: ${r.status} ${r.text}`);
}

export async function startWithConfig(t: ExecutionContext, config: unknown, options: StartOptions = {}): Promise<Weftd> {
  const w = await startWeftd(t, options);
  await applyConfig(w, config);
  return w;
}
