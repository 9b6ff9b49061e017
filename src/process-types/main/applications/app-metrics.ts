// What main counts of applications for /metrics: processes started, crashes
// (a process that exits unasked) and when the last one was, restarts asked
// through the control API.
import { Registry } from '../../../metrics/index.js';
import type { Counter, Gauge } from '../../../metrics/index.js';

export class AppMetrics {
  readonly registry = new Registry();
  readonly #started: Counter;
  readonly #crashes: Counter;
  readonly #lastCrash: Gauge;
  readonly #restarts: Counter;

  constructor() {
    const labelNames = ['app'];
    this.#started = this.registry.counter({
      name: 'weft_application_process_starts_total',
      help: 'Application processes started (serving).',
      labelNames,
    });
    this.#crashes = this.registry.counter({
      name: 'weft_application_crashes_total',
      help: 'Application processes that exited unasked, or could not start.',
      labelNames,
    });
    this.#lastCrash = this.registry.gauge({
      name: 'weft_application_last_crash_timestamp_seconds',
      unit: 'seconds',
      help: 'When a process of the application last crashed, in seconds since the epoch (time since: now minus this).',
      labelNames,
    });
    this.#restarts = this.registry.counter({
      name: 'weft_application_restarts_total',
      help: 'Graceful restarts asked through the control API.',
      labelNames,
    });
  }

  started(app: string): void {
    this.#started.labels({ app }).inc();
  }

  crashed(app: string): void {
    this.#crashes.labels({ app }).inc();
    this.#lastCrash.labels({ app }).set(Date.now() / 1000);
  }

  restarted(app: string): void {
    this.#restarts.labels({ app }).inc();
  }
}
