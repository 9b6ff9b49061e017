// Turns what went wrong while loading an app into a message that names the
// file, the line and the cause: a syntax error (anywhere in what the entry
// loads), or an exception the app threw while starting.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import { AppHostError, AppHostErrorCodes } from './app-host-error.js';
import type { ModuleFormat } from './module-format.js';
import { unitHttpMappedForImport } from './unit-http.js';

interface Location {
  file: string;
  line: number;
}

function toPath(file: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : file;
}

function stackOf(error: unknown): string {
  return error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
}

/** A SyntaxError from compiling a module, not one the app's code threw at run time (JSON.parse, eval). */
function isCompileError(error: unknown): error is SyntaxError {
  if (!(error instanceof SyntaxError)) return false;
  const firstFrame = stackOf(error)
    .split('\n')
    .find((l) => l.trimStart().startsWith('at '));
  return firstFrame === undefined || firstFrame.includes('node:internal/modules/');
}

/** CommonJS compile errors carry node's "file:line / source / ^" header at the top of their stack. */
function headerLocation(error: Error): Location | undefined {
  const m = /^((?:file:\/\/)?\/[^\n]*):(\d+)\n/.exec(stackOf(error));
  return m ? { file: toPath(m[1]), line: Number(m[2]) } : undefined;
}

/**
 * ES module compile errors carry no location that JavaScript can read (node
 * keeps it in a private field and prints it only when the process dies), so
 * ask node's own syntax check. Run only on this error path.
 */
function checkedLocation(file: string): Location | undefined {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // The source on stdin as an ES module: --experimental-default-type,
  // which did this for a file, is gone from Node 24. Node names the place
  // "[stdin]:<line>".
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const r = spawnSync(process.execPath, ['--input-type=module', '--check'], {
    encoding: 'utf8',
    env,
    input: source,
    // Generous: on a machine at load 40, a cold node took over 10 s for this.
    timeout: 30000,
  });
  if (r.status === 0 || typeof r.stderr !== 'string') return undefined;
  for (const line of r.stderr.split('\n')) {
    const m = /^\[stdin\]:(\d+)$/.exec(line);
    if (m) return { file, line: Number(m[1]) };
  }
  return undefined;
}

/** The first frame of the app's own code in a stack. */
function thrownAt(error: unknown): Location | undefined {
  for (const line of stackOf(error).split('\n')) {
    const m = /^\s+at (?:.*?\()?((?:file:\/\/)?\/[^()]*?):(\d+):\d+\)?$/.exec(line);
    if (m) return { file: toPath(m[1]), line: Number(m[2]) };
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `${typeof error === 'string' ? 'the string' : 'the value'} ${String(error)}`;
}

export function notFound(script: string, cause: unknown): AppHostError {
  const code = (cause as { code?: unknown })?.code;
  const why = code === 'EACCES' ? 'cannot be read (permission denied)' : 'does not exist';
  return new AppHostError(AppHostErrorCodes.NOT_FOUND, `cannot load the app: "${script}" ${why}`, { cause, file: script });
}

export function loadFailure(entry: string, format: ModuleFormat, error: unknown): AppHostError {
  if (isCompileError(error)) {
    const at = headerLocation(error) ?? (format === 'module' ? checkedLocation(entry) : undefined);
    if (at) {
      return new AppHostError(
        AppHostErrorCodes.SYNTAX,
        `cannot load the app "${entry}": syntax error at ${at.file}:${at.line}: ${error.message}`,
        { cause: error, ...at },
      );
    }
    return new AppHostError(
      AppHostErrorCodes.SYNTAX,
      `cannot load the app "${entry}": syntax error in a module it imports: ${error.message}`,
      { cause: error, file: entry },
    );
  }
  let hint = '';
  if (
    (error as { code?: unknown })?.code === 'ERR_MODULE_NOT_FOUND' &&
    /'unit-http[/']/.test(describe(error)) &&
    !unitHttpMappedForImport()
  ) {
    hint = '; Weft provides unit-http to ES modules when the entry script imports it: import it there, or use node:http';
  }
  const at = thrownAt(error);
  return new AppHostError(
    AppHostErrorCodes.START,
    `the app "${entry}" threw while starting: ${describe(error)}${at ? ` (at ${at.file}:${at.line})` : ''}${hint}`,
    { cause: error, file: at?.file ?? entry, line: at?.line },
  );
}
