// What discovery found at the last start, kept in the state dir, which
// discovery (unprivileged) may not write: main keeps it and hands it back.
// Two things: what plugins learnt by running something (a Python
// interpreter's version: ~40 ms of every start; DiscoveryContext.cached),
// and the module list itself, which a restart assumes while this start's
// discovery confirms it (main-process.ts). Plain JSON, bounded in size, for
// one build of Weft, one node binary and one set of plugin directories; a
// lost, broken or foreign file only costs the next start its shortcuts.
import fs from 'node:fs';
import path from 'node:path';

import { isDeepStrictEqual } from 'node:util';

import { PREBUILT_SCHEMA_CODE_DIR } from '../../config/schema-code-cache.js';
import { builtinPluginsDir } from '../../paths.js';
import type { DiscoveryCache, ModuleInfo } from '../../protocol/discovery.js';
import { VERSION } from '../../version.js';

const FILE = 'discovery-cache.json';
const MAX_BYTES = 256 * 1024;
const FORMAT = 2;

export interface KeptDiscovery {
  cache: DiscoveryCache;
  /** The modules the last start found, when it ran the same build, node and plugin directories. */
  modules?: ModuleInfo[];
}

interface FileContent {
  format: typeof FORMAT;
  /** What the modules depend on besides the plugins' own probes. */
  key: string;
  cache: DiscoveryCache;
  modules: ModuleInfo[];
}

/**
 * What the build found (scripts/prebuild-schema.js, beside the schema code it
 * keeps): what a first start assumes, when it runs the same node.
 */
export const PREBUILT_MODULES_FILE = path.join(PREBUILT_SCHEMA_CODE_DIR, 'modules.json');

/** What a module list is good for besides the plugins' own probes: this build, this node binary, these plugin directories. */
export function discoveryKey(modulesDir: string | undefined): string {
  return JSON.stringify([VERSION, process.execPath, process.version, builtinPluginsDir, modulesDir ?? null]);
}

/** The file's content for this module list (what prebuild-schema writes too). */
export function discoveryFileContent(key: string, modules: ModuleInfo[], cache: DiscoveryCache = {}): FileContent {
  return { format: FORMAT, key, cache, modules };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const isModule = (m: unknown): boolean =>
  isObject(m) && typeof m.type === 'string' && typeof m.version === 'string' && typeof m.file === 'string' && isObject(m.members);

export class DiscoveryCacheFile {
  readonly file: string;
  readonly #key: string;
  #kept: FileContent | undefined;

  /** `key`: what a kept module list is good for (the build, the node binary, the plugin directories). */
  constructor(stateDir: string, key: string) {
    this.file = path.join(stateDir, FILE);
    this.#key = key;
  }

  /**
   * What the last start kept (an empty cache when nothing usable); a start
   * with no list of its own kept assumes the build's (`prebuilt`), if any.
   */
  read(prebuilt?: string): KeptDiscovery {
    const value = readJson(this.file);
    // Before format 2 the file was the plugins' cache alone.
    const kept = isObject(value) && value.format !== FORMAT ? { cache: value } : this.#usable(value, true);
    if (kept.modules || prebuilt === undefined) return kept;
    const built = this.#usable(readJson(prebuilt), false).modules;
    return built ? { cache: kept.cache, modules: built } : kept;
  }

  #usable(value: unknown, ours: boolean): KeptDiscovery {
    if (!isObject(value) || value.format !== FORMAT) return { cache: {} };
    if (!isObject(value.cache) || !Array.isArray(value.modules) || typeof value.key !== 'string') return { cache: {} };
    if (ours) this.#kept = value as unknown as FileContent;
    return value.key === this.#key && value.modules.length > 0 && value.modules.every(isModule)
      ? { cache: value.cache, modules: value.modules as ModuleInfo[] }
      : { cache: value.cache };
  }

  /** Keeps what this start found, when it changed; a failure to write is no failure of the start. */
  write(modules: ModuleInfo[], cache: DiscoveryCache = {}): void {
    const content = discoveryFileContent(this.#key, modules, cache);
    if (isDeepStrictEqual(content, this.#kept)) return;
    const text = JSON.stringify(content);
    if (text.length > MAX_BYTES) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, text, { mode: 0o644 });
      fs.renameSync(tmp, this.file);
      this.#kept = content;
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
