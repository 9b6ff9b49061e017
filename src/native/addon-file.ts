// Where the built addon may be, in the order tried. Builtins and paths.ts
// only: code-cache.ts loads it before any bundle runs.
import path from 'node:path';

import { packageRoot } from '../paths.js';

export const ADDON_FILES = [path.join(packageRoot, 'build', 'Release', 'weft.node'), path.join(packageRoot, 'build', 'Debug', 'weft.node')];
