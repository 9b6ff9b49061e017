// Where Weft's own files are, from the compiled location dist/src/.
import path from 'node:path';

/** The repository (or installed package) root. */
export const packageRoot = path.resolve(__dirname, '..', '..');
/** Compiled sources. */
export const distRoot = path.join(packageRoot, 'dist');
/** Built-in application plugins, compiled. */
export const builtinPluginsDir = path.join(distRoot, 'plugins');
