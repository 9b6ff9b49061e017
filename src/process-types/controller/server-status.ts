// /status is the sum of what each process saw: the router counts the
// connections it accepted and the requests it served; application
// processes count what they accepted on their own listeners (main collects
// their reports, and keeps the totals of processes that ended); main knows
// the applications' processes.
import type { AppsStatus, ApplicationStatus } from '../../protocol/application.js';
import type { RouterStatus } from '../../protocol/router.js';

export interface ServerStatus {
  connections: { accepted: number; active: number; idle: number; closed: number };
  requests: { total: number };
  applications: Record<string, ApplicationStatus>;
}

export function serverStatus(router: RouterStatus, apps: AppsStatus): ServerStatus {
  const r = router.connections;
  const d = apps.direct;
  const directOpen = Math.max(0, d.accepted - d.closed);
  const directActive = Math.min(directOpen, Math.max(0, d.active));
  return {
    connections: {
      accepted: r.accepted + d.accepted,
      active: r.active + directActive,
      idle: r.idle + directOpen - directActive,
      closed: r.closed + d.closed,
    },
    requests: { total: router.requests.total + d.requests },
    applications: apps.applications,
  };
}
