// What this machine's kernel lets us do, probed once per test file, so that
// a test that cannot run here is skipped with the reason instead of failing
// (or, worse, passing without testing anything).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import type { Implementation, TestFn } from 'ava';

export interface Feature {
  ok: boolean;
  reason: string;
}

const probeScript = path.join(__dirname, 'probe-feature.js');

export function probe(name: 'namespaces' | 'user-namespace' | 'root'): Feature {
  if (name === 'root') {
    return process.getuid?.() === 0 ? { ok: true, reason: '' } : { ok: false, reason: 'needs root' };
  }
  const r = spawnSync(process.execPath, [probeScript, name], { encoding: 'utf8', timeout: 20000 });
  if (r.status === 0) return { ok: true, reason: '' };
  return { ok: false, reason: `${name} unavailable: ${(r.stdout + r.stderr).trim() || `probe exited ${r.status}`}` };
}

/** `test` when the feature is there; otherwise a skipped test whose title says why. */
export function when(test: TestFn, feature: Feature): (title: string, impl: Implementation<[]>) => void {
  if (feature.ok) return (title, impl) => test(title, impl);
  process.stderr.write(`skipping: ${feature.reason}\n`);
  return (title, impl) => test.skip(`${title} [skipped: ${feature.reason}]`, impl);
}
