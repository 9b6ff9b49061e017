// Expect: 100-continue, answered by whoever reads the body. Node's HTTP
// server answers 100 Continue itself unless the server listens for
// checkContinue. The router listens, so that a request for an application
// gets the application's own answer: its 100 Continue relayed, or its
// refusal (417, 413...) with the body never asked for, as when the
// application's process holds the connection; every other action (return,
// share, an error, an application over frames) answers 100 Continue at
// once, as Node would have, and a proxy passes the expectation on. An
// application process whose app listens for checkContinue relays a request
// for elsewhere to a router the same way (app-runtime/edge/relay.ts). A
// final answer with the 100 still owed closes its connection (Node's rule:
// the client may yet send the body).
import type http from 'node:http';

const OWED = Symbol('weft.continue-owed');
type Owing = http.ServerResponse & { [OWED]?: boolean };

/** The client waits for a 100 Continue before its body: someone must answer it. */
export function oweContinue(res: http.ServerResponse): void {
  (res as Owing)[OWED] = true;
}

/** The 100 Continue the client waits for, if it is still owed (once). */
export function sendContinue(res: http.ServerResponse): void {
  const owing = res as Owing;
  if (!owing[OWED]) return;
  owing[OWED] = false;
  if (!res.headersSent && !res.destroyed) res.writeContinue();
}
