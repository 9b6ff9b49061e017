// Compiled configuration schemas kept as code between starts. ajv compiling
// the composed schema is the costliest step of a start (~175 ms idle, more
// under load, in main and again in the controller); loading the same
// validator as ajv's standalone code takes ~15 ms and needs none of ajv's
// compiler. The schema depends on the application types discovery finds
// (their versions and members), so the code cannot be made once at build
// time for every machine. The build makes it for the plugins it finds on the
// machine it runs on (scripts/prebuild-schema.js, into dist/schema-cache/);
// any other set is made at the first start that needs it and kept in the
// state dir. Each copy is named by a hash of everything it was made from.
//
// Only main writes (the state dir is root's); the controller reads what main
// wrote. The file is code main will run: it is used only when it is a
// regular file owned by this process's user (or root) that nobody else may
// write, in a directory nobody else may write.
import fs from 'node:fs';
import path from 'node:path';

import type { ValidateFunction } from 'ajv';

import { cacheFileData, compileModule, runModule } from '../code-cache.js';
import { digest } from '../native/digest.js';
import { distRoot } from '../paths.js';
import { ErrorCodes, WeftError } from '../errors.js';

/** What changes the generated code besides the schema: ajv's own version, the options in schema.ts. */
export interface CodeKey {
  schema: unknown;
  compilerTag: string;
}

/** Made by the build for the built-in plugins as found on the build machine; read-only at run time. */
export const PREBUILT_SCHEMA_CODE_DIR = path.join(distRoot, 'schema-cache');

let cacheDir: string | undefined;

/** Where a server keeps them: a directory of the state dir. */
export function schemaCodeDir(stateDir: string): string {
  return path.join(stateDir, 'schema-cache');
}

/** Where compiled schemas are kept in this process (undefined: nowhere, compile every time). */
export function setSchemaCodeDir(dir: string | undefined): void {
  cacheDir = dir;
}

function fileFor(dir: string, key: CodeKey): string {
  const hash = digest(`${key.compilerTag}\0${JSON.stringify(key.schema)}`).toString('hex');
  return path.join(dir, `schema-${hash}.js`);
}

function trusted(file: string): boolean {
  const me = process.geteuid?.() ?? 0;
  const ok = (st: fs.Stats): boolean => (st.uid === me || st.uid === 0) && (st.mode & 0o022) === 0;
  try {
    const st = fs.lstatSync(file);
    return st.isFile() && ok(st) && ok(fs.statSync(path.dirname(file)));
  } catch {
    return false;
  }
}

// The generated code requires ajv's small runtime helpers only; nothing else may be reached.
function runtimeRequire(id: string): unknown {
  if (!/^ajv\/dist\/runtime\/[a-z0-9_]+$/.test(id))
    throw new WeftError(ErrorCodes.CONFIG_INVALID, `generated schema code may not require "${id}"`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id);
}

/** The validator kept in `file`, compiled with the V8 code cache the build made beside it (the build's own copy). */
function load(file: string): ValidateFunction {
  const module = { exports: {} as { default?: ValidateFunction } & ValidateFunction };
  // The code is ajv's own standalone output, from a file only this user can write (checked above).
  runModule(compileModule(file, fs.readFileSync(file)), file, module, runtimeRequire);
  return module.exports.default ?? module.exports;
}

/**
 * The build's step: the V8 code cache of a kept copy, made after `warm`
 * ran the validator (so that the functions it compiled are in it).
 */
export function makeCodeCache(file: string, warm: (validate: ValidateFunction) => void): void {
  const source = fs.readFileSync(file);
  const script = compileModule(file, source);
  const module = { exports: {} as { default?: ValidateFunction } & ValidateFunction };
  runModule(script, file, module, runtimeRequire);
  warm(module.exports.default ?? module.exports);
  fs.writeFileSync(`${file}.cache`, cacheFileData(source, script.createCachedData()), { mode: 0o644 });
}

/** Whether a trusted copy for `key` is kept (in this process's directory, or the build's). */
export function hasCachedCode(key: CodeKey): boolean {
  const dir = cacheDir;
  return dir !== undefined && [fileFor(dir, key), fileFor(PREBUILT_SCHEMA_CODE_DIR, key)].some(trusted);
}

/** The directory set with setSchemaCodeDir(). */
export function currentSchemaCodeDir(): string | undefined {
  return cacheDir;
}

/**
 * The validator for `key`: from the cache when a trusted copy is there,
 * otherwise from `compile` (which returns the function and its standalone
 * code), then stored for the next start when this process may write there.
 */
export function cachedValidator(key: CodeKey, compile: () => { validate: ValidateFunction; code: () => string }): ValidateFunction {
  const dir = cacheDir;
  if (dir === undefined) return compile().validate;
  const file = fileFor(dir, key);
  for (const copy of [file, fileFor(PREBUILT_SCHEMA_CODE_DIR, key)]) {
    if (!trusted(copy)) continue;
    try {
      return load(copy);
    } catch {
      // An unreadable or broken copy: compile as if there were none (and replace it below).
    }
  }
  const { validate, code } = compile();
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code(), { mode: 0o644 });
    fs.renameSync(tmp, file);
    // Another set of application types made the others: only the newest is worth keeping.
    for (const name of fs.readdirSync(dir)) {
      if (/^schema-[0-9a-f]+\.js$/.test(name) && name !== path.basename(file)) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // Not ours to write (the controller runs unprivileged): main writes it.
  }
  return validate;
}
