// An action's "response_headers": each member sets a header (its value may
// hold variables) or, when null, removes it. Applied when the response
// head goes out, after the action's own headers, so it can override them.
import type http from 'node:http';

import { compileTemplate } from './routing/index.js';
import type { CompiledTemplate, VariableContext } from './routing/index.js';

/** What applying needs of a request: its variables and its response (not the whole context, which holds these). */
type Target = VariableContext & { readonly res: Pick<http.ServerResponse, 'setHeader' | 'removeHeader'> };

export class ResponseHeaders {
  #changes: Array<[string, CompiledTemplate | null]>;

  constructor(config: Record<string, string | null>, path: string) {
    this.#changes = Object.entries(config).map(([name, value]) => [
      name,
      value === null ? null : compileTemplate(value, `${path}/${name}`),
    ]);
  }

  apply(ctx: Target): void {
    for (const [name, value] of this.#changes) {
      if (value === null) ctx.res.removeHeader(name);
      else ctx.res.setHeader(name, value.constant ?? value(ctx));
    }
  }
}
