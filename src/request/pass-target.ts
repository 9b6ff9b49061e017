// Where a "pass" goes: "routes", "routes/<name>", "applications/<name>"
// (optionally "/<target>"), "upstreams/<name>". A pass without variables is
// resolved once per configuration; one with variables ("routes/$host") per
// request, and an unknown destination is then a 404, as in Unit.
import { compileTemplate } from './routing/index.js';
import type { VariableContext } from './routing/index.js';

export type Destination =
  | { kind: 'routes'; name: string | undefined }
  | { kind: 'application'; name: string; target: string | undefined }
  | { kind: 'upstream'; name: string };

export function parseDestination(text: string): Destination | null {
  if (text === 'routes') return { kind: 'routes', name: undefined };
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const head = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  if (rest === '') return null;
  if (head === 'routes') return { kind: 'routes', name: rest };
  if (head === 'upstreams') return rest.includes('/') ? null : { kind: 'upstream', name: rest };
  if (head === 'applications') {
    const cut = rest.indexOf('/');
    return cut < 0 ? { kind: 'application', name: rest, target: undefined } : { kind: 'application', name: rest.slice(0, cut), target: rest.slice(cut + 1) };
  }
  return null;
}

export type PassTarget = (ctx: VariableContext) => Destination | null;

export function compilePass(text: string, path: string): PassTarget {
  const template = compileTemplate(text, path);
  if (template.constant !== undefined) {
    const fixed = parseDestination(template.constant);
    return () => fixed;
  }
  return (ctx) => parseDestination(template(ctx));
}
