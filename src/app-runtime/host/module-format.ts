// Whether node would run an entry as CommonJS or as an ES module, by node's
// rules for the main entry (Node 20.19 and later): ".mjs" and ".cjs" say so;
// otherwise the nearest package.json's "type"; a ".js" file with no "type"
// is CommonJS unless it only parses as a module (import/export statements,
// import.meta, top-level await), which node detects by compiling it.
//
// The host decides this itself, instead of letting Module._load find out,
// because node runs a detected ES module main fire-and-forget: its errors
// would reach no caller, and loadApp() must report them.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

export type ModuleFormat = 'commonjs' | 'module';

const CJS_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

// The compile errors node itself takes as "this is an ES module" (its
// module-syntax detection, lib/internal/modules/helpers.js in Node 20).
const MODULE_SYNTAX_MESSAGES = new Set([
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  "Identifier 'module' has already been declared",
  "Identifier 'exports' has already been declared",
  "Identifier 'require' has already been declared",
  "Identifier '__filename' has already been declared",
  "Identifier '__dirname' has already been declared",
  'await is only valid in async functions and the top level bodies of modules',
]);

/** The "type" of the package a file belongs to, found as node finds it (not past a node_modules folder). */
export function packageType(file: string): string | undefined {
  let dir = path.dirname(file);
  for (;;) {
    if (path.basename(dir) === 'node_modules') return undefined;
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        const type = (JSON.parse(text) as { type?: unknown }).type;
        return typeof type === 'string' ? type : undefined;
      } catch {
        return undefined; // node's loader reports a broken package.json itself
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Does this source only parse as an ES module? */
export function onlyParsesAsModule(source: string, filename: string): boolean {
  try {
    vm.compileFunction(source.replace(/^\uFEFF/, ''), CJS_PARAMETERS, { filename });
    return false;
  } catch (e) {
    return e instanceof SyntaxError && MODULE_SYNTAX_MESSAGES.has(e.message);
  }
}

export function entryFormat(file: string, source: () => string): ModuleFormat {
  if (file.endsWith('.mjs')) return 'module';
  if (file.endsWith('.cjs')) return 'commonjs';
  const type = packageType(file);
  if (type === 'module') return 'module';
  if (type === 'commonjs' || !file.endsWith('.js')) return 'commonjs';
  return onlyParsesAsModule(source(), file) ? 'module' : 'commonjs';
}
