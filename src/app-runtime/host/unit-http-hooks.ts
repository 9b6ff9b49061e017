// ES module resolve hook for `import ... from 'unit-http'` (registered with
// module.register, so it runs on Node's loader thread). CommonJS requires
// are mapped in unit-http.ts, on the app's own thread.
import { unitHttpUrl } from './unit-http-targets.js';

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}

export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  const url = unitHttpUrl(specifier);
  if (url !== undefined) return { url, shortCircuit: true };
  return nextResolve(specifier, context);
}
