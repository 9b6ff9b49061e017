// The controller process: the control API on the socket main bound, the
// configuration's owner. It gets the starting configuration from main,
// sends it to every router that comes up, and applies changes through the
// router and main (config-service.ts). It also answers /metrics and serves
// Weft's own endpoints (settings.weft: health, metrics).
import http from 'node:http';

import { evaluateReadiness } from '../../health/readiness.js';
import type { ConfigView } from '../../health/readiness.js';
import type { ProcessHooks } from '../../kernel/process-types/process-type.js';
import type { ModuleInfo } from '../../protocol/discovery.js';
import type { RouterStatus } from '../../protocol/router.js';
import '../../protocol/main.js';
import '../../protocol/router.js';
import '../../protocol/application.js';
import '../../protocol/controller.js';
import { configurationApplier } from './apply-configuration.js';
import { serverStatus } from './server-status.js';
import { CertificateService, certificatesInUse } from './certificates.js';
import { ConfigService } from './config-service.js';
import { RouterWorkers } from './router-workers.js';
import { ControlApi } from './control-api.js';
import { WeftEndpoints } from './weft-endpoints.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import { processMetrics } from './metrics/process-metrics.js';
import { mergeSnapshots } from '../../metrics/index.js';
import { scrape } from './metrics/scrape.js';
import { statusMetrics } from './metrics/status-metrics.js';
import { resolve } from '../../kernel/tokens.js';
import { protectFromSameUser } from '../../native/index.js';
import { VALIDATOR_FACTORY } from './controller-tokens.js';
import { schemaCodeDir, setSchemaCodeDir } from '../../config/schema-code-cache.js';

const ROUTER_WAIT_MS = 30000;

let server: http.Server | undefined;
let endpoints: WeftEndpoints | undefined;

/** The counts of every router worker, added up (they share the listeners). */
function sumStatus(all: RouterStatus[]): RouterStatus {
  const total: RouterStatus = { connections: { accepted: 0, active: 0, idle: 0, closed: 0 }, requests: { total: 0 } };
  for (const s of all) {
    for (const k of Object.keys(total.connections) as Array<keyof RouterStatus['connections']>) total.connections[k] += s.connections[k];
    total.requests.total += s.requests.total;
  }
  return total;
}

export const controllerHooks: ProcessHooks = {
  async setup(ctx) {
    const { port, runtime } = ctx;
    // Applications may run as the controller's user: they must not be able to ptrace it (it owns the configuration).
    protectFromSameUser();
    const main = runtime.mainPid;
    const makeValidator = resolve(ctx.container, VALIDATOR_FACTORY);
    // main compiled the schema for these modules before answering conf-get: the code is there to load.
    setSchemaCodeDir(schemaCodeDir(runtime.options.stateDir));
    const { value: start } = await port.call(main, 'main.conf-get', {});
    let modules: ModuleInfo[] = start.modules;
    const { value: stored } = await port.call(main, 'main.cert-list', {});
    // eslint-disable-next-line prefer-const
    let config: ConfigService;
    const certificates = new CertificateService(
      {
        store: async (name, pem) => void (await port.call(main, 'main.cert-store', { name, pem })),
        delete: async (name) => void (await port.call(main, 'main.cert-delete', { name })),
        inUse: () => certificatesInUse(config.current),
        reapply: () => config.reapplyNow(),
      },
      stored.bundles,
      (name, why) => ctx.log.error(`the stored certificate bundle "${name}" is unusable: ${why}`),
    );
    // /status, /metrics and readiness describe the routers once they run the configuration.
    const routers = new RouterWorkers(port, ROUTER_WAIT_MS, (accepting) => port.notify(main, 'main.router-listeners', { accepting }));
    const status = async () => {
      const [counts, apps] = await Promise.all([
        routers.configured().then((pids) => Promise.all(pids.map((pid) => port.call(pid, 'router.status', {}, { timeoutMs: 10000 })))),
        port.call(main, 'main.apps-status', {}, { timeoutMs: 10000 }),
      ]);
      return serverStatus(sumStatus(counts.map((c) => c.value)), apps.value);
    };
    const metrics = new ControllerMetrics(runtime.options.version);
    const scrapeMetrics = (accept: string | undefined) =>
      scrape(
        [
          () => metrics.registry.snapshot(),
          async () => statusMetrics(await status()),
          () => processMetrics(main, runtime.options.titlePrefix),
          // What the router answered, and what application processes answered on their own listeners.
          async () =>
            mergeSnapshots(
              await Promise.all(
                (await routers.configured()).map(
                  async (pid) => (await port.call(pid, 'router.metrics', {}, { timeoutMs: 5000 })).value.snapshot,
                ),
              ),
            ),
          async () => mergeSnapshots((await port.call(main, 'main.apps-metrics', {}, { timeoutMs: 5000 })).value.snapshots),
        ],
        accept,
      );
    endpoints = new WeftEndpoints({
      listen: async (address) => (await port.call(main, 'main.listen', { addresses: [address] })).fds[0],
      readiness: async () => evaluateReadiness(config.current as ConfigView, await status()),
      live: async () => void (await status()),
      metrics: scrapeMetrics,
      version: runtime.options.version,
    });
    const validatorFor = (appTypes: ModuleInfo[]) =>
      makeValidator({ appTypes, defaultUser: runtime.options.user, certificates: () => certificates.names() });
    let validate = validatorFor(modules);
    // Main assumed the last start's modules and discovery found others: main has the schema code for these ready.
    port.onNotify('controller.modules', ({ modules: found }) => {
      validate = validatorFor(found);
      modules = found;
    });
    config = new ConfigService(
      {
        validate: (candidate) => validate(candidate),
        applyToRouter: configurationApplier({
          endpoints,
          metrics,
          configureRouter: (next, force) => routers.apply(next, force),
          tellMain: (notice) => port.notify(main, 'main.reconfiguring', notice),
        }),
        syncRouters: (current) => routers.apply(current),
        store: async (next) => {
          await port.call(main, 'main.conf-store', { config: next });
        },
      },
      start.config,
    );
    const api = new ControlApi({
      config,
      certificates,
      modules: () => modules,
      version: runtime.options.version,
      status,
      restartApp: async (name) => {
        await port.call(main, 'main.app-restart', { name });
      },
      metrics: scrapeMetrics,
    });

    // Every router that comes up gets the configuration in force. A stored
    // configuration the routers cannot apply (say its port is taken now) is
    // dropped for an empty one, so the server still comes up; a --config
    // file that cannot be applied fails the start (start.strict). When
    // other workers run it already, it is not dropped for one that cannot
    // take it: that one serves nothing, and says why.
    port.on('peer-linked', (peer) => {
      if (peer.type !== 'router') return;
      const others = routers.ready;
      // Workers that start together: the first one's apply may reach them all.
      config
        .resync(() => !routers.runs(peer.pid), others)
        .then(
          () => port.notify(main, 'main.conf-applied', { ok: true }),
          async (e: Error) => {
            ctx.log.error(`the router could not apply the configuration: ${e.message}`);
            if (others) return;
            if (!start.strict) {
              await config.fallBackTo({}).catch((f: Error) => ctx.log.alert(`the router refused an empty configuration: ${f.message}`));
            }
            port.notify(main, 'main.conf-applied', { ok: false, detail: e.message });
          },
        );
    });

    const { fds } = await port.call(main, 'main.control-socket', {});
    server = http.createServer({ maxHeaderSize: 16384 }, (req, res) => api.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen({ fd: fds[0] }, () => resolve());
    });
  },
  async stop() {
    endpoints?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  },
};
