// When a Weft server is ready for traffic, decided the same way by
// `weft health` (from the control API's /config and /status) and by the
// health endpoint (settings.weft.health, served by the controller):
//
//   ready = the configuration in force is applied (the control API answers
//           /status only once the router runs it) and every application
//           that keeps processes has at least one running.
//
// An application that keeps none ({"spare": 0}) starts its processes on the
// first request, so it cannot be ready in advance: it does not hold
// readiness back, and the report says it starts on demand.

/** The parts of /status readiness reads (Unit's shape). */
export interface StatusView {
  applications?: Record<string, { processes?: { running?: number; starting?: number } }>;
}

/** The parts of the configuration readiness reads. */
export interface ConfigView {
  applications?: Record<string, { processes?: number | { spare?: number; max?: number; idle_timeout?: number } }>;
}

export interface Readiness {
  ready: boolean;
  /** One line per thing that holds readiness back, or notes (on-demand apps). */
  reasons: string[];
}

/** How many processes an application keeps running whatever the traffic (Unit's default: 1). */
export function keptProcesses(app: { processes?: number | { spare?: number } }): number {
  const p = app.processes ?? 1;
  return typeof p === 'number' ? p : (p.spare ?? 0);
}

export function evaluateReadiness(config: ConfigView, status: StatusView): Readiness {
  const reasons: string[] = [];
  let ready = true;
  for (const [name, app] of Object.entries(config.applications ?? {})) {
    const seen = status.applications?.[name]?.processes;
    const running = seen?.running ?? 0;
    if (keptProcesses(app) === 0) {
      if (running === 0) reasons.push(`application "${name}" starts its processes on the first request`);
      continue;
    }
    if (running > 0) continue;
    ready = false;
    const starting = seen?.starting ?? 0;
    reasons.push(
      seen === undefined
        ? `application "${name}" is not running yet`
        : `application "${name}" has no running process${starting > 0 ? ` (${starting} starting)` : ''}`,
    );
  }
  return { ready, reasons };
}
