// A real Prometheus parser for tests: the Python client's (Debian's
// python3-prometheus-client, installed by .ci/run), run on the text.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number | string;
}

export interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: ParsedSample[];
}

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'tools', 'parse-metrics.py');
// Debian's python3 has the package; a python3 earlier on PATH (pyenv) may not.
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Parses an exposition; throws with the parser's complaint when it is not valid. */
export function parseMetrics(text: string, format: 'prometheus' | 'openmetrics'): ParsedFamily[] {
  const r = spawnSync(PYTHON, [SCRIPT, format], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the ${format} parser refused the exposition: ${r.stderr}\n${text}`);
  return JSON.parse(r.stdout) as ParsedFamily[];
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return Number(s.value);
    }
  }
  return undefined;
}

/** The sum of every sample named `name` whose labels include `labels` (a counter across its series). */
export function sumOf(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += Number(s.value);
    }
  }
  return total;
}

/** Every sample named `name`. */
export function samples(families: ParsedFamily[], name: string): ParsedSample[] {
  return families.flatMap((f) => f.samples.filter((s) => s.name === name));
}
