// systemd's Type=notify protocol (sd_notify(3)), spoken by main: READY=1
// once the control socket and every listener of the starting configuration
// are up; RELOADING=1 (with MONOTONIC_USEC, which Type=notify-reload
// requires) and READY=1 again around each reconfiguration; STOPPING=1 on
// shutdown; STATUS= lines that `systemctl status` shows. Without
// $NOTIFY_SOCKET there is no notifier and main sends nothing.
//
// The datagram goes out through the addon (src/native/notify-socket.ts):
// node:dgram has no unix datagram sockets, and systemd-notify(1) would send
// from its own pid, which NotifyAccess=main refuses.
import type { Logger } from '../../kernel/log/logger.js';
import { notifySocket } from '../../native/index.js';
import type { ReconfigurationNotice } from '../../protocol/main.js';

export const NOTIFY_SOCKET_ENV = 'NOTIFY_SOCKET';

/** "2 listeners, 1 application" */
export function describeConfig(listeners: number, applications: number): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(listeners, 'listener')}, ${plural(applications, 'application')}`;
}

/** Counts for describeConfig from a configuration document. */
export function configCounts(config: unknown): { listeners: number; applications: number } {
  const c = (config ?? {}) as { listeners?: object; applications?: object };
  return { listeners: Object.keys(c.listeners ?? {}).length, applications: Object.keys(c.applications ?? {}).length };
}

export class SystemdNotifier {
  readonly address: string;
  #log: Logger;
  #ready = false;

  private constructor(address: string, log: Logger) {
    this.address = address;
    this.#log = log;
  }

  /**
   * The notifier for $NOTIFY_SOCKET, taken out of the environment (as
   * sd_notify's unset_environment does) so that no process main starts,
   * an application least of all, can speak for the service.
   */
  static fromEnvironment(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdNotifier | undefined {
    const address = env[NOTIFY_SOCKET_ENV];
    delete env[NOTIFY_SOCKET_ENV];
    return address ? new SystemdNotifier(address, log) : undefined;
  }

  /** The server is up: the control socket and the starting configuration's listeners. */
  ready(config: unknown): void {
    const { listeners, applications } = configCounts(config);
    this.#ready = true;
    this.#send(`READY=1\nSTATUS=Ready: ${describeConfig(listeners, applications)}\nMAINPID=${process.pid}`);
  }

  /** Around each reconfiguration; nothing before READY (the first configuration is part of starting). */
  reconfiguring(notice: ReconfigurationNotice): void {
    if (!this.#ready) return;
    if (notice.phase === 'begin') {
      // CLOCK_MONOTONIC, which is what libuv's hrtime reads on Linux.
      this.#send(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}\nSTATUS=Applying a new configuration`);
    } else if (notice.ok) {
      this.#send(`READY=1\nSTATUS=Ready: ${describeConfig(notice.listeners, notice.applications)}`);
    } else {
      this.#send(`READY=1\nSTATUS=Ready; the last configuration change failed: ${notice.detail.split('\n')[0]}`);
    }
  }

  stopping(signal: string): void {
    this.#send(`STOPPING=1\nSTATUS=Stopping (${signal})`);
  }

  #send(message: string): void {
    try {
      notifySocket(this.address, message);
    } catch (e) {
      // systemd gone or the socket wrong: the server itself is fine.
      this.#log.warn(`cannot notify the service manager: ${(e as Error).message}`, { code: (e as { code?: string }).code });
    }
  }
}
