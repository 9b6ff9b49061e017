// The controller's own metrics: what it alone sees, configuration changes
// (each applied, or refused by the router), and the build.
import { Registry } from '../../../metrics/index.js';
import type { CounterChild, GaugeChild } from '../../../metrics/index.js';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #success: CounterChild;
  readonly #failure: CounterChild;
  readonly #lastOk: GaugeChild;
  readonly #lastOkTime: GaugeChild;

  constructor(version: string) {
    const reloads = this.registry.counter({
      name: 'weft_config_reloads_total',
      help: 'Configurations the router was asked to apply, by result.',
      labelNames: ['result'],
    });
    this.#success = reloads.labels({ result: 'success' });
    this.#failure = reloads.labels({ result: 'failure' });
    this.#lastOk = this.registry
      .gauge({ name: 'weft_config_last_reload_successful', help: 'Whether the last configuration applied (1) or failed (0).' })
      .labels();
    this.#lastOkTime = this.registry
      .gauge({
        name: 'weft_config_last_reload_success_timestamp_seconds',
        unit: 'seconds',
        help: 'When a configuration was last applied, in seconds since the epoch.',
      })
      .labels();
    this.registry
      .gauge({ name: 'weft_build_info', help: "Weft's version and the Node.js it runs on.", labelNames: ['version', 'node_version'] })
      .labels({ version, node_version: process.versions.node })
      .set(1);
  }

  reloaded(ok: boolean): void {
    (ok ? this.#success : this.#failure).inc();
    this.#lastOk.set(ok ? 1 : 0);
    if (ok) this.#lastOkTime.set(Date.now() / 1000);
  }
}
