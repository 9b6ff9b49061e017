// Application plugins are directories holding an index.js that exports a
// `descriptor` with the type it serves and its version: the built-in ones
// (dist/plugins/<type>/) and any under --modulesdir. A plugin that serves
// several versions at once (one per Python interpreter found, say) exports
// `descriptors()` instead: called here, in the unprivileged discovery
// process, it returns one descriptor per module, each with its own version,
// and may add `lib` (the file to show), `data` and `deps` (see ModuleInfo).
import fs from 'node:fs';
import path from 'node:path';

import { ErrorCodes, WeftError } from '../../errors.js';
import type { DiscoveryCache, ModuleInfo } from '../../protocol/discovery.js';

type Descriptor = Partial<ModuleInfo>;

/** What descriptors() is handed (the plugin API's DiscoveryContext). */
interface Context {
  cached<T>(key: string, find: () => T): T;
}

interface PluginExports {
  descriptor?: Descriptor;
  descriptors?: (ctx: Context) => Descriptor[];
}

/**
 * A DiscoveryContext over what an earlier start kept: `used` collects what
 * this start asked for or found (what main keeps for the next).
 */
export function discoveryContext(kept: DiscoveryCache = {}): Context & { used: DiscoveryCache } {
  const used: DiscoveryCache = {};
  return {
    used,
    cached<T>(key: string, find: () => T): T {
      const value = Object.prototype.hasOwnProperty.call(kept, key) ? (kept[key] as T) : find();
      // Only JSON is kept.
      used[key] = JSON.parse(JSON.stringify(value ?? null)) as unknown;
      return value;
    },
  };
}

function descriptorsOf(exported: PluginExports, ctx: Context): Descriptor[] {
  if (typeof exported.descriptors === 'function') {
    const list = exported.descriptors(ctx);
    if (!Array.isArray(list)) throw new WeftError(ErrorCodes.PLUGIN, 'its descriptors() returned no array');
    return list;
  }
  if (!exported.descriptor) throw new WeftError(ErrorCodes.PLUGIN, 'it exports no descriptor with a "type" and a "version"');
  return [exported.descriptor];
}

export interface Found {
  modules: ModuleInfo[];
  /** Directories that looked like plugins but failed to load, with why. */
  failures: Array<{ file: string; reason: string }>;
}

function candidates(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => path.join(dir, n, 'index.js')).filter((f) => fs.existsSync(f));
}

export function findPlugins(dirs: string[], ctx: Context = discoveryContext()): Found {
  const found: Found = { modules: [], failures: [] };
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const file of candidates(dir)) {
      let list: Descriptor[];
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        list = descriptorsOf(require(file) as PluginExports, ctx);
      } catch (e) {
        found.failures.push({ file, reason: (e as Error).message });
        continue;
      }
      for (const d of list) {
        try {
          if (!d || typeof d.type !== 'string' || typeof d.version !== 'string') {
            throw new WeftError(ErrorCodes.PLUGIN, 'it exports no descriptor with a "type" and a "version"');
          }
          if (!/^[a-z][a-z_-]*$/.test(d.type))
            throw new WeftError(
              ErrorCodes.PLUGIN,
              `its type "${d.type}" must be lower-case letters, "_" and "-" (a digit would read as a version)`,
            );
          const key = `${d.type} ${d.version}`;
          if (seen.has(key)) continue;
          seen.add(key);
          // Only data crosses to main and the controller: the schema, never code.
          const members = JSON.parse(JSON.stringify(d.members ?? {})) as ModuleInfo['members'];
          const required = Array.isArray(d.required) ? d.required.map(String) : [];
          const info: ModuleInfo = { type: d.type, version: d.version, file, members, required };
          if (typeof d.lib === 'string') info.lib = d.lib;
          if (d.data !== undefined) info.data = JSON.parse(JSON.stringify(d.data)) as Record<string, unknown>;
          if (Array.isArray(d.deps)) info.deps = d.deps.map(String);
          info.serving = {
            engine: d.serving?.engine === true,
            transport: d.serving?.transport === 'frames' ? 'frames' : 'http',
          };
          found.modules.push(info);
        } catch (e) {
          found.failures.push({ file, reason: (e as Error).message });
        }
      }
    }
  }
  return found;
}
