// The typed face of the native addon. Everything outside src/native/ imports
// from here, never from the .node file.
export { Channel, socketPair } from './channel.js';
export type { ChannelEvents } from './channel.js';
export {
  ChildProcessHandle,
  createProcess,
  NAMESPACE_NAMES,
  resolveProgram,
  signalName,
} from './create-process.js';
export type {
  CreateProcessOptions,
  Credentials,
  ExitStatus,
  IdMap,
  MountSpec,
  NamespaceName,
  RlimitName,
} from './create-process.js';
export { automounts, languageDepMounts } from './automount.js';
export type { AutomountOptions } from './automount.js';
export { lookupGroup, lookupUser, resolveCredentials } from './credentials.js';
export type { ResolvedCredentials } from './credentials.js';
export { daemonReporter, READY_FD_ENV, startDaemon } from './daemon.js';
export type { DaemonResult } from './daemon.js';
export { execute } from './execute.js';
export type { ExecuteOptions } from './execute.js';
export { dup, dup2, setCloexec } from './fds.js';
export { FdWatcher } from './fd-watcher.js';
export type { FdEvents } from './fd-watcher.js';
export { gettid } from './process-info.js';
export { listenSocket } from './listen.js';
export { DEFAULT_QUEUE_LIMIT, EXIT_FLUSH_MS, LogWriter } from './log-writer.js';
export type { LogWriterStats } from './log-writer.js';
export { notifySocket } from './notify-socket.js';
export type { ListenOptions, ListenResult } from './listen.js';
export { setProcessTitle } from './process-title.js';
export { OPEN, openat2 } from './openat2.js';
export { reapStrays } from './reaper.js';
export { mapShared, sharedMemory } from './shared-memory.js';
export { startWatchdog } from './watchdog.js';
export type { WatchdogOptions } from './watchdog.js';
export type { OpenLimits } from './openat2.js';
