// What main tells a new process in its environment (WEFT_BOOT): which type it
// is and the server's settings. Its real pid follows as the BOOT message,
// since main only learns it after clone.
import type { ServerOptions } from '../runtime.js';

export const BOOT_ENV = 'WEFT_BOOT';
/** The fd on which a new process finds its channel to main. */
export const MAIN_CHANNEL_FD = 3;

export interface BootInfo {
  type: string;
  name: string;
  mainPid: number;
  options: ServerOptions;
  processOptions: unknown;
  /** Modules that define extra process types (tests use this). */
  typeModules: string[];
}

export function encodeBootInfo(info: BootInfo): string {
  return Buffer.from(JSON.stringify(info)).toString('base64');
}

/** Reads and removes WEFT_BOOT, so that nothing started later inherits it. */
export function takeBootInfo(env: NodeJS.ProcessEnv = process.env): BootInfo | undefined {
  const raw = env[BOOT_ENV];
  if (raw === undefined) return undefined;
  delete env[BOOT_ENV];
  return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as BootInfo;
}
