// What discovery tells main: the application modules it found.
export interface ModuleInfo {
  type: string;
  version: string;
  /** The file the plugin was loaded from. */
  file: string;
  /** JSON Schema of the plugin's own application members (they join the config schema). */
  members: Record<string, Record<string, unknown>>;
  /** Members an application of this type must have. */
  required: string[];
  /**
   * What the log and /status show as the module's file (Unit's "lib"), when
   * it is not `file`: e.g. the interpreter a python module runs.
   */
  lib?: string;
  /** The plugin's own data for this module (JSON), handed back to it in the prototype (PluginContext.module). */
  data?: Record<string, unknown>;
  /**
   * Host directories this module needs inside an app's rootfs besides the
   * system's (an interpreter installed under /opt, say): bound read-only at
   * the same place when isolation.automount.language_deps is on.
   */
  deps?: string[];
  /**
   * How its processes take requests. `engine`: they run Weft's request
   * engine, so they may accept a listener themselves (Node apps: the
   * runtime preloaded into them); otherwise the router accepts for them.
   * `transport`: what a router speaks to them on a connection ("http":
   * HTTP/1.1, the default; "frames": Weft's frames, src/transport/frames/).
   */
  serving?: { engine: boolean; transport: 'http' | 'frames' };
}

/**
 * What plugins found at earlier starts (DiscoveryContext.cached): main keeps
 * it in its state dir (discovery may not write there) and hands it back.
 */
export type DiscoveryCache = Record<string, unknown>;

/** discovery's process options. */
export interface DiscoveryOptions {
  cache?: DiscoveryCache;
}

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /** discovery -> main: the modules, and the cache entries this start used (or made). */
    'main.modules': { params: { modules: ModuleInfo[]; cache?: DiscoveryCache }; result: void };
  }
}
