// Application plugins in main. For an application main starts itself, main
// runs its plugin's launch() (which only describes the process to create);
// the plugin's check (prototypeSetup) never runs in main, it runs as the
// app's user (direct-spawner.ts). main, which runs as root, loads a plugin
// only when it is as trustworthy as Weft's own code: owned by root or by
// the owner of Weft's installation, in a directory owned alike, neither
// writable by anyone else. Any other plugin runs in a prototype only, as
// the app's user, as it always did.
import fs from 'node:fs';
import path from 'node:path';

import { packageRoot } from '../../../paths.js';
import type { AppPlugin } from '../../../protocol/application.js';

const trustedOwners = (): Set<number> => {
  const owners = new Set([0]);
  if (typeof process.geteuid === 'function') owners.add(process.geteuid());
  try {
    owners.add(fs.statSync(packageRoot).uid);
  } catch {
    // not there: root and main's own user only
  }
  return owners;
};

function safe(file: string, owners: Set<number>, kind: 'file' | 'dir'): boolean {
  try {
    const st = fs.lstatSync(file);
    if (kind === 'file' ? !st.isFile() : !st.isDirectory()) return false;
    return owners.has(st.uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Whether main may load this plugin file (see above). */
export function trustedPlugin(file: string): boolean {
  const owners = trustedOwners();
  return safe(file, owners, 'file') && safe(path.dirname(file), owners, 'dir');
}

/** Loads a plugin main trusts (trustedPlugin), once. */
export function loadPlugin(file: string): AppPlugin {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as AppPlugin;
}
