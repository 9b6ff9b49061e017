// Applying a configuration, as the controller does for every change, every
// new router and every certificate reload: the sockets of Weft's own
// endpoints (settings.weft: health, metrics) are bound first (it is part of the configuration: all or nothing), then the
// router applies the rest. Around it main hears of the reconfiguration
// (systemd's RELOADING=1 / READY=1) and the metrics count it.
import type { ReconfigurationNotice } from '../../protocol/main.js';
import type { WeftEndpoints } from './weft-endpoints.js';
import type { ControllerMetrics } from './metrics/controller-metrics.js';
import { trimWhenQuiet } from '../../kernel/memory/trim-when-quiet.js';

export interface ApplyDeps {
  endpoints: WeftEndpoints;
  metrics: ControllerMetrics;
  /** The routers apply it (all or nothing); throws with the reason. */
  configureRouter(config: unknown, force: boolean): Promise<void>;
  tellMain(notice: ReconfigurationNotice): void;
}

function count(config: unknown, member: 'listeners' | 'applications'): number {
  return Object.keys((config as Record<string, object | undefined> | null)?.[member] ?? {}).length;
}

export function configurationApplier(deps: ApplyDeps): (config: unknown, force?: boolean) => Promise<void> {
  return async (config, force = false) => {
    deps.tellMain({ phase: 'begin' });
    // Either way the change is over: the C heap it used goes back once the controller is quiet.
    const end = (notice: ReconfigurationNotice): void => {
      deps.tellMain(notice);
      trimWhenQuiet();
    };
    try {
      const endpoints = await deps.endpoints.prepare(config);
      try {
        await deps.configureRouter(config, force);
      } catch (e) {
        endpoints.abandon();
        throw e;
      }
      endpoints.commit();
    } catch (e) {
      deps.metrics.reloaded(false);
      end({ phase: 'end', ok: false, detail: (e as Error).message });
      throw e;
    }
    deps.metrics.reloaded(true);
    end({ phase: 'end', ok: true, listeners: count(config, 'listeners'), applications: count(config, 'applications') });
  };
}
