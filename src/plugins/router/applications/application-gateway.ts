// The seam between the router and applications: a pass to
// "applications/<name>" hands the request to that application's gateway,
// which owns its processes and forwards requests to them.
import type { RequestContext } from '../http/request-context.js';
import { errorResponse } from '../http/errors.js';
import type { RouterEnvironment } from '../configuration.js';

export interface ApplicationStatus {
  processes: { running: number; starting: number; idle: number };
  requests: { active: number };
}

export interface ApplicationGateway {
  readonly name: string;
  /** Starts what the application needs before the configuration switches. */
  prepare(): Promise<void>;
  /** The configuration that used it is gone. */
  retire(): void;
  handle(ctx: RequestContext, target: string | undefined): Promise<void>;
  status(): ApplicationStatus;
}

/** Until applications run (issue 6), a pass to one answers 503 and says why in the log. */
class UnavailableApplication implements ApplicationGateway {
  constructor(readonly name: string) {}

  async prepare(): Promise<void> {}

  retire(): void {}

  async handle(ctx: RequestContext): Promise<void> {
    ctx.log('error', `application "${this.name}" cannot serve requests: application processes are not available yet`);
    errorResponse(ctx, 503);
  }

  status(): ApplicationStatus {
    return { processes: { running: 0, starting: 0, idle: 0 }, requests: { active: 0 } };
  }
}

export function compileApplications(raw: Record<string, unknown>, _env: RouterEnvironment): Map<string, ApplicationGateway> {
  return new Map(Object.keys(raw).map((name) => [name, new UnavailableApplication(name)]));
}
