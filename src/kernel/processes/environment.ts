// What the processes main starts inherit of its environment.
import { HIDE_ENV } from '../../node-internals/node-internal.js';

/**
 * Variables that change nothing in Weft's own processes but cost each of
 * them at every start. NODE_EXTRA_CA_CERTS makes Node parse its bundled
 * root certificates and the file's before running any code (~40 ms of CPU
 * and ~1.1 MiB private memory per process with Debian's bundle); Weft's
 * own processes never verify a TLS peer (the router serves TLS, it proxies
 * only to http:// servers). Applications, and the prototypes whose
 * environment they inherit, keep them.
 */
const UNUSED_BY_WEFT = ['NODE_EXTRA_CA_CERTS'];

/**
 * bin/weftd, run as a program, moves UNUSED_BY_WEFT's variables to
 * WEFT_KEPT_<name> before main's Node starts: main pays for them neither.
 */
const KEPT_PREFIX = 'WEFT_KEPT_';

/** Main's environment minus Weft's internal variables: what applications inherit (Unit's rule). */
export function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // WEFT_HIDE_NODE_INTERNALS goes on: every process probes its own internals.
    if (v !== undefined && (!k.startsWith('WEFT_') || k === HIDE_ENV)) env[k] = v;
  }
  for (const k of UNUSED_BY_WEFT) {
    const kept = process.env[KEPT_PREFIX + k];
    if (kept !== undefined && env[k] === undefined) env[k] = kept;
  }
  return env;
}

/** The environment of Weft's own processes (controller, router, discovery). */
export function coreProcessEnv(): Record<string, string> {
  const env = inheritedEnv();
  for (const k of UNUSED_BY_WEFT) delete env[k];
  return env;
}
