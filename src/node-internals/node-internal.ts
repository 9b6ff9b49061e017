// What one Node internal is to Weft: an undocumented module, field, symbol
// or method that Weft relies on because no public API does the same at the
// same cost (each definition says which public path exists and what it
// costs). Every one has a probe that checks, at the start of each process
// that needs it, that this Node still has it and that it still behaves as
// Weft expects; the probe's answer decides whether Weft uses it, falls back
// to the public path, or refuses to start (catalogue.ts lists them all,
// check.ts runs them at a process's start).

/** The kinds of process that run Weft code in Node. */
export type NodeProcessKind = 'main' | 'router' | 'application';

export interface NodeInternal {
  /** Stable id, e.g. "http-parser" (also what WEFT_HIDE_NODE_INTERNALS names). */
  readonly id: string;
  /** What Node calls it, as an error message names it: `_http_common.HTTPParser`. */
  readonly name: string;
  /** The processes that use it. */
  readonly usedBy: readonly NodeProcessKind[];
  /** The source files that use it. */
  readonly where: readonly string[];
  /** The public alternative, and what it costs (or why there is none). */
  readonly why: string;
  /**
   * When it is missing or changed: "fallback" (a public path takes over,
   * slower or less exact, logged once per process) or "refuse" (the process
   * does not start: a coded error names the internal and the Node version).
   */
  readonly missing: 'fallback' | 'refuse';
  /** What happens instead, for a "fallback" one. */
  readonly fallback?: string;
  /**
   * Checks this Node: undefined when it is there and behaves as Weft
   * expects, otherwise what is wrong. Synchronous, no file or network I/O.
   * Measured: all of an application process's probes take 4-7 ms of CPU
   * (Node 20 and 26), most of it the first use of Node's http code, which
   * the first request would pay anyway; the router's likewise (4-6 ms).
   */
  probe(): string | undefined;
}

/** Internals hidden on purpose, to exercise the fallbacks (tests): ids, comma separated; "*" for all. */
export const HIDE_ENV = 'WEFT_HIDE_NODE_INTERNALS';

const hidden = new Set(
  (process.env[HIDE_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

const results = new Map<string, string | undefined>();

/** The probe's answer, computed once per process (undefined: usable). */
export function problemWith(internal: NodeInternal): string | undefined {
  if (results.has(internal.id)) return results.get(internal.id);
  let problem: string | undefined;
  if (hidden.has(internal.id) || hidden.has('*')) {
    problem = `hidden by ${HIDE_ENV}`;
  } else {
    try {
      problem = internal.probe();
    } catch (e) {
      // A probe that throws is a changed internal too, never a crash.
      problem = `probing it threw: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  results.set(internal.id, problem);
  return problem;
}

export function usable(internal: NodeInternal): boolean {
  return problemWith(internal) === undefined;
}
