// Where Weft's own files are, from the compiled location dist/src/ (or a
// bundle in dist/bundle/: the same depth).
import path from 'node:path';

/** The repository (or installed package) root. */
export const packageRoot = path.resolve(__dirname, '..', '..');
/** Compiled sources. */
export const distRoot = path.join(packageRoot, 'dist');
/** Built-in application plugins, compiled. */
export const builtinPluginsDir = path.join(distRoot, 'plugins');
/** Weft's own processes' entry points, each bundled into one file by the build (scripts/bundle.js). */
export const bundleDir = path.join(distRoot, 'bundle');
/**
 * Whether this code runs from such a bundle rather than from the compiled
 * sources (dist/src/): in a bundle, every module's __dirname is the bundle's.
 */
export const bundled = path.basename(__dirname) === 'bundle';
/** The compiled sources (files that run on their own: worker threads' entries, the app runtime). */
export const compiledRoot = path.join(distRoot, 'src');
