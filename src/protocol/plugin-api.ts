// What an application plugin (plugins/<type>/index.ts) provides beyond the
// descriptor discovery reads: a check, run as the app's user (in the
// prototype, inside the app's isolation; for an app main starts itself, in
// a check-only prototype once a start failed); and how each application
// process is started: launch(), run in the prototype or, for an app
// without namespaces or a rootfs, in main (which loads only plugins owned
// like Weft's own files), so it must only describe the process.
import type { Application } from '../config/types.js';
import type { ModuleInfo } from './discovery.js';

export interface LaunchSpec {
  /** Program to exec (absolute, as seen inside the app's root). */
  file: string;
  args: string[];
  env: Record<string, string>;
}

export interface PluginContext {
  /** The CommonJS preload that serves the app's listen() (Weft's application runtime). */
  runtimeEntry: string;
  /** The node binary (the one Weft runs on). */
  nodePath: string;
  /** The app's environment so far (inherited, then "environment"). */
  env: Record<string, string>;
  /** The module the app's "type" selected: its version and the plugin's data for it (from descriptors()). */
  module?: { type: string; version: string; data?: Record<string, unknown> };
}

/** One module a plugin serves, as discovery reads it (what discovery reports is this and the plugin's file). */
export type PluginDescriptor = Omit<ModuleInfo, 'file'>;

/** What discovery offers a plugin's descriptors(). */
export interface DiscoveryContext {
  /**
   * What was found for `key` at an earlier start (kept as JSON in main's
   * state dir), or `find()`'s answer, kept for the next. The key must name
   * everything the answer depends on (a file's path, size and mtime, say):
   * an entry no start asks for again is dropped.
   */
  cached<T>(key: string, find: () => T): T;
}

export interface AppPlugin {
  /** The one module the plugin serves... */
  descriptor?: PluginDescriptor;
  /** ...or several (one per interpreter found, say), computed in the discovery process. */
  descriptors?(ctx?: DiscoveryContext): PluginDescriptor[];
  /** Throws with a reason to refuse starting (e.g. the script does not exist inside the rootfs). */
  prototypeSetup?(app: Application, ctx: PluginContext): void | Promise<void>;
  /** What to exec for one application process: a description only, no side effects (it may run in main, as root). */
  launch(app: Application, ctx: PluginContext): LaunchSpec;
}

/** NODE_OPTIONS with Weft's preload added (quoted as node reads it). */
export function withPreload(nodeOptions: string | undefined, entry: string): string {
  const quoted = /[\s"\\]/.test(entry) ? `"${entry.replace(/(["\\])/g, '\\$1')}"` : entry;
  return [`--require ${quoted}`, nodeOptions ?? ''].join(' ').trim();
}
