// An action's "response_headers": each member sets a header (its value may
// hold variables) or, when null, removes it. Applied when the response
// head goes out, after the action's own headers, so it can override them.
import { compileTemplate } from './routing/index.js';
import type { CompiledTemplate } from './routing/index.js';
import type { RequestContext } from './request-context.js';

export class ResponseHeaders {
  #changes: Array<[string, CompiledTemplate | null]>;

  constructor(config: Record<string, string | null>, path: string) {
    this.#changes = Object.entries(config).map(([name, value]) => [
      name,
      value === null ? null : compileTemplate(value, `${path}/${name}`),
    ]);
  }

  apply(ctx: RequestContext): void {
    for (const [name, value] of this.#changes) {
      if (value === null) ctx.res.removeHeader(name);
      else ctx.res.setHeader(name, value.constant ?? value(ctx));
    }
  }
}
