// What `unit-http` and its subpaths are under Weft. NGINX Unit's apps load
// the npm package unit-http, which was built against Unit's own library and
// pinned to the server's version. Under Weft an app's Node `http` server is
// served as it is, so unit-http is simply Node's http: the very same module
// object, so that Unit's recipe `http.ServerResponse = unit.ServerResponse`
// changes nothing. It is provided whether or not the app has the package
// installed: the real one cannot work outside Unit.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { compiledRoot } from '../../paths.js';

/** This runtime's own files, by path from the package: a bundled runtime's __dirname is the bundle's. */
export const HOST_DIR = path.join(compiledRoot, 'app-runtime', 'host');

/** Specifier -> what require() loads: a builtin id or a file of this runtime. */
export const UNIT_HTTP_TARGETS: ReadonlyMap<string, string> = new Map([
  ['unit-http', 'http'],
  // Unit's `--require unit-http/loader` redirected `http` to unit-http: nothing to do here.
  ['unit-http/loader', path.join(HOST_DIR, 'unit-http-loader.js')],
  // Unit's own WebSocket API: not provided; this module says what to use instead.
  ['unit-http/websocket', path.join(HOST_DIR, 'unit-http-websocket.js')],
]);

/** The same, as URLs for the ES module resolver. */
export function unitHttpUrl(specifier: string): string | undefined {
  const target = UNIT_HTTP_TARGETS.get(specifier);
  if (target === undefined) return undefined;
  return path.isAbsolute(target) ? pathToFileURL(target).href : `node:${target}`;
}

/** Cheap test for "this source may import unit-http" (decides whether ES module hooks are worth their cost). */
export function mentionsUnitHttp(source: string): boolean {
  return source.includes('unit-http');
}
