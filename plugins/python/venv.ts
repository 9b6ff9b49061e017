// An app's "home": a virtualenv (pyvenv.cfg beside its bin/), run with its
// own interpreter so that its site-packages are the app's; or any other
// Python home, given to the module's interpreter as PYTHONHOME (Unit's
// meaning of home for a non-venv prefix).
import fs from 'node:fs';
import path from 'node:path';

export interface Home {
  /** The venv's interpreter, or null for a plain Python home. */
  interpreter: string | null;
  /** The venv's Python version ("3.11.2"), when pyvenv.cfg says. */
  version: string | null;
}

function readConfig(home: string): Record<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(home, 'pyvenv.cfg'), 'utf8');
  } catch {
    return null;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

export function inspectHome(home: string, moduleVersion: string): Home {
  const cfg = readConfig(home);
  if (cfg === null) return { interpreter: null, version: null };
  const [major, minor] = moduleVersion.split('.');
  const names = [`python${major}.${minor}`, `python${major}`, 'python'];
  const interpreter = names.map((n) => path.join(home, 'bin', n)).find((f) => fs.existsSync(f)) ?? null;
  return { interpreter, version: cfg.version ?? cfg.version_info ?? null };
}

/** "3.11" of "3.11.2". */
export function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
