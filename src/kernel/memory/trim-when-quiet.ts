// Gives the C heap's free pages back once a burst of work is over. After a
// start or a reconfiguration, V8's memory reducer collects the JS heap's
// garbage when the process has been quiet for ~8 s, and with it the
// buffers it held (code caches, messages, the configuration's text); glibc
// keeps the freed pages for later unless asked. One malloc_trim after that
// returns them: 0.2-1.1 MiB per idle process, measured on a Weft with one
// app (a first start's main the most). A burst of work pushes it later; a
// busy process is never trimmed more than once per burst.
import { trimMemory } from '../../native/index.js';

/** After V8's memory reducer (8 s after the last garbage collection of a quiet process). */
export const QUIET_MS = 12_000;

let timer: NodeJS.Timeout | undefined;

/** Work was just done: trim the C heap once the process has been quiet for `delayMs`. */
export function trimWhenQuiet(delayMs = QUIET_MS, trim: () => unknown = trimMemory): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    trim();
  }, delayMs);
  // Never what keeps a process alive.
  timer.unref();
}
