// The start-up check of a process that uses Node internals: every internal
// its kind uses is probed once, before it does anything else. A missing
// "refuse" internal stops the process with WEFT_ERR_NODE_INTERNAL, naming
// the internal and the Node version (never a TypeError later, inside the
// user's app); a missing "fallback" internal is logged once, with what
// works differently, and the code that uses it takes its public path.
import { ErrorCodes, WeftError } from '../errors.js';
import { NODE_INTERNALS } from './catalogue.js';
import type { NodeInternal, NodeProcessKind } from './node-internal.js';
import { problemWith } from './node-internal.js';

export interface InternalProblem {
  internal: NodeInternal;
  problem: string;
}

export class NodeInternalError extends WeftError {
  override name = 'NodeInternalError';
  readonly internal: string;
  readonly nodeVersion: string;

  constructor(problems: InternalProblem[]) {
    const list = problems.map((p) => `${p.internal.name} (${p.internal.id}): ${p.problem}`).join('; ');
    super(
      ErrorCodes.NODE_INTERNAL,
      `Node ${process.version} lacks or changed what Weft needs and has no public replacement for: ${list}. ` +
        'See docs/node-versions.md for the supported Node versions',
    );
    this.internal = problems.map((p) => p.internal.id).join(',');
    this.nodeVersion = process.version;
  }
}

/** What a process of this kind would find missing, without acting on it. */
export function problemsFor(kind: NodeProcessKind): InternalProblem[] {
  const out: InternalProblem[] = [];
  for (const internal of NODE_INTERNALS) {
    if (!internal.usedBy.includes(kind)) continue;
    const problem = problemWith(internal);
    if (problem !== undefined) out.push({ internal, problem });
  }
  return out;
}

/**
 * Probes every internal `kind` uses. Throws NodeInternalError for the
 * "refuse" ones missing; reports each missing "fallback" one to `warn`
 * (once per process: the probes' answers are cached).
 */
export function checkNodeInternals(kind: NodeProcessKind, warn: (message: string, code: string) => void): void {
  const problems = problemsFor(kind);
  const refused = problems.filter((p) => p.internal.missing === 'refuse');
  if (refused.length > 0) throw new NodeInternalError(refused);
  for (const { internal, problem } of problems) {
    warn(
      `Node ${process.version}: ${internal.name} (${internal.id}) is not usable (${problem}); falling back: ${internal.fallback ?? 'public path'}`,
      ErrorCodes.NODE_INTERNAL_FALLBACK,
    );
  }
}
