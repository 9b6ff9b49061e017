// The router's request matching, without the network: request-target
// parsing, the route compiler and matcher, and variable templates.
export { compileAddressRule } from './address-rule.js';
export type { AddressTest } from './address-rule.js';
export { byteStringBuffer, fromByteString, toByteString } from './byte-string.js';
export { CompiledRoute, CompiledRoutes, compileRoutes } from './compile-routes.js';
export type { MatchResult, NoMatch, RouteAction, StepMatch } from './compile-routes.js';
export { compileTypesRule } from './compile-match.js';
export type { StringTest } from './string-pattern.js';
export { PeerAddress } from './peer-address.js';
export { QueryArguments } from './request-arguments.js';
export { RequestCookies } from './request-cookies.js';
export { normalizeHost } from './request-host.js';
export { parseRequestTarget, TargetErrors } from './request-target.js';
export type { RequestTarget } from './request-target.js';
export { compileRewrite, rewrittenPath } from './rewrite.js';
export type { Rewrite, RewriteResult } from './rewrite.js';
export { RouteCompileError } from './route-compile-error.js';
export { RouteRequest } from './route-request.js';
export type { RouteRequestInit, SocketEndpoint } from './route-request.js';
export {
  compileCondition,
  compileTemplate,
  formatRequestTime,
  formatTimeLocal,
  newRequestId,
  responseHeaderKey,
  timeLocalAt,
} from './variables.js';
export type { CompiledTemplate, VariableContext } from './variables.js';
