// Runs the app's entry as `node <script> [args]` would run it as the main
// module: process.argv as node sets it, CommonJS through Module._load with
// isMain (so require.main is the app's module and `require.main === module`
// holds), ES modules through import() (so import.meta.url is the file's URL
// and top-level await is awaited).
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { loadFailure, notFound } from './load-failure.js';
import { entryFormat } from './module-format.js';
import { mapUnitHttpForImport } from './unit-http.js';
import { mentionsUnitHttp } from './unit-http-targets.js';

export interface AppSpec {
  /** The entry script, absolute or relative to the working directory. */
  script: string;
  /** What the app finds in process.argv after the script. */
  args: string[];
}

interface ModuleInternals {
  /** What node's own runMain calls for a CommonJS main: resolve, cache, run, with isMain setting require.main. */
  _load(request: string, parent: null, isMain: boolean): unknown;
}

/** The file node would run: extensions and index files tried, symlinks resolved, as for `node script`. */
function resolveEntry(script: string): string {
  let file: string;
  try {
    file = require.resolve(script);
  } catch (e) {
    throw notFound(script, e);
  }
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    throw notFound(file, e);
  }
  return file;
}

/**
 * For an app node runs itself (the host preloaded, node running the main
 * script): an ES module entry that imports unit-http needs the import hook
 * before node loads it. Costs one read of the entry; errors are left to node.
 */
export function mapUnitHttpForEntry(script: string): void {
  try {
    const file = require.resolve(path.resolve(script));
    const source = fs.readFileSync(file, 'utf8');
    if (mentionsUnitHttp(source) && entryFormat(file, () => source) === 'module') mapUnitHttpForImport();
  } catch {
    // not there, or unreadable: node says so when it runs it
  }
}

/** Loads and runs the entry; resolves once it has run (for ES modules, once top-level await settled). */
export async function runEntry(spec: AppSpec): Promise<string> {
  // node makes argv[1] absolute, without resolving extensions or symlinks.
  const script = path.resolve(spec.script);
  const file = resolveEntry(script);
  let source: string | undefined;
  const readSource = (): string => (source ??= fs.readFileSync(file, 'utf8'));
  const format = entryFormat(file, readSource);

  process.argv = [process.argv[0], script, ...spec.args];
  if (format === 'commonjs') {
    try {
      (Module as unknown as ModuleInternals)._load(script, null, true);
    } catch (e) {
      throw loadFailure(file, format, e);
    }
    return file;
  }
  if (mentionsUnitHttp(readSource())) mapUnitHttpForImport();
  try {
    await import(pathToFileURL(file).href);
  } catch (e) {
    throw loadFailure(file, format, e);
  }
  return file;
}
