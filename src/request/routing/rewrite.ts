// An action's "rewrite" (Unit's nxt_http_rewrite): the template's value is
// read as a request target, percent-decoded and normalised like one, and
// becomes the request's path, which $uri and any later routing see. What
// follows a "?" in the value is dropped: the query stays the client's
// (Unit 1.35: "query kept"), and so does $request_uri.
//
// Decoding the value means a path that went in through $uri is decoded a
// second time ("/a%2525" is "/a%25" in $uri, "/a%" after "rewrite": "$uri"),
// as in Unit; the result is normalised all the same, so it cannot climb out
// of a directory either. Weft adds one check: the value must begin with
// "/". Unit would take "index.php" as the path, and a share of
// "/srv/www$uri" would then name "/srv/wwwindex.php", outside the share.
import { parseTarget, TargetErrors } from './request-target.js';
import type { RouteRequest } from './route-request.js';
import { compileTemplate } from './variables.js';
import type { VariableContext } from './variables.js';

export type RewriteResult = { ok: true; path: string } | { ok: false; reason: string };

export type Rewrite = (req: RouteRequest, ctx: VariableContext) => RewriteResult;

/** The new path for a rewritten URI, or why it cannot be one (the router answers 500, as Unit). */
export function rewrittenPath(value: string): RewriteResult {
  const target = parseTarget(value, false);
  if (target.ok) return { ok: true, path: target.path };
  const relative = target.reason === TargetErrors.origin || target.reason === TargetErrors.empty;
  const reason = relative ? 'the rewritten URI must begin with "/"' : target.reason;
  return { ok: false, reason: `rewrite to "${value}" failed: ${reason}` };
}

/** Compiles an action's "rewrite" found at `path`; applying it sets req.path. */
export function compileRewrite(template: string, path = ''): Rewrite {
  const value = compileTemplate(template, path);
  if (value.constant !== undefined) {
    const fixed = rewrittenPath(value.constant);
    return (req) => {
      if (fixed.ok) req.path = fixed.path;
      return fixed;
    };
  }
  return (req, ctx) => {
    const result = rewrittenPath(value(ctx));
    if (result.ok) req.path = result.path;
    return result;
  };
}
