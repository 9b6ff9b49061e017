// main's methods, as other processes call them.
import type { ModuleInfo } from '../discovery/definition.js';

export interface ListenRequest {
  /** Unit listener addresses ("127.0.0.1:8080", "unix:/path"). */
  addresses: string[];
  backlog?: Record<string, number>;
}

declare module '../../kernel/ports/methods.js' {
  interface PortMethods {
    /** The configuration to start with, and the modules discovery found. */
    'main.conf-get': { params: Record<string, never>; result: { config: unknown; modules: ModuleInfo[]; strict: boolean } };
    /** Persist an applied configuration (atomically; answered once on disk). */
    'main.conf-store': { params: { config: unknown }; result: Record<string, never> };
    /** The controller's report on applying a configuration to a new router. */
    'main.conf-applied': { params: { ok: boolean; detail?: string }; result: void };
    /**
     * Listening sockets for these addresses, bound now or reused; the fds
     * come in the same order. All or nothing: on a failure, what this call
     * bound is closed again and the error names the address and errno.
     */
    'main.listen': { params: ListenRequest; result: { ports: number[] } };
    /** The router committed a configuration: close the sockets it no longer uses. */
    'main.listen-release': { params: { keep: string[] }; result: Record<string, never> };
  }
}
