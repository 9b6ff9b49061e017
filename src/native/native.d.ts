// The native module (native/*.cc, built by node-gyp as build/Release/weft.node)
// exactly as it crosses into JavaScript. Use the wrappers beside this file:
// they validate arguments and turn errors into typed ones.

export interface NativeIdMap {
  container: number;
  host: number;
  size: number;
}

export interface NativeMount {
  type: string; // "bind" or a filesystem type ("proc", "tmpfs", ...)
  source?: string;
  target: string; // absolute path inside the rootfs
  readonly?: boolean;
  file?: boolean;
  flags?: string[]; // nosuid nodev noexec noatime rec ro
  data?: string;
}

export interface NativeCreateOptions {
  file: string;
  args: string[];
  env: string[];
  fds: Array<number | null>;
  cwd?: string;
  namespaces?: Partial<Record<'user' | 'mount' | 'pid' | 'net' | 'uts' | 'ipc' | 'cgroup', boolean>>;
  uidMap?: string;
  gidMap?: string;
  setgroups?: 'deny' | 'allow';
  /** cgroup directories to join before exec (v2, or several v1 hierarchies). */
  cgroups?: string[];
  hostname?: string;
  rootfs?: string;
  pivotRoot?: boolean;
  mounts?: NativeMount[];
  rlimits?: Record<string, [number, number]>;
  uid?: number;
  gid?: number;
  groups?: number[];
  noNewPrivs?: boolean;
  pdeathsig?: number;
  setsid?: boolean;
  umask?: number;
  timeoutMs?: number;
}

export interface NativeChildHandle {
  readonly pid: number;
  readonly exited: boolean;
  kill(signal: number): boolean;
  ref(): this;
  unref(): this;
}

export type NativeExitCallback = (code: number | null, signal: number | null) => void;

export interface NativeChannel {
  readonly fd: number;
  readonly queued: number;
  send(data: Uint8Array, fds?: number[]): boolean;
  close(): void;
  ref(): this;
  unref(): this;
}

export interface NativeChannelConstructor {
  new (
    fd: number,
    onMessage: (data: Buffer, fds: number[], truncated: boolean) => void,
    onClose: (errno: number) => void,
    onDrain: () => void,
  ): NativeChannel;
  readonly maxFrame: number;
  readonly maxFds: number;
}

export interface NativeFdWatcher {
  /** events: 1 readable, 2 writable, 4 disconnect. */
  start(events: number): this;
  stop(): this;
  close(): void;
  ref(): this;
  unref(): this;
}

export interface NativeFdWatcherConstructor {
  new (fd: number, callback: (events: number, errno: number) => void): NativeFdWatcher;
}

export interface NativeLogWriterStats {
  queuedBytes: number;
  droppedLines: number;
  droppedBytes: number;
  writeErrors: number;
  lastErrno: number;
  /** The thread has written everything and ended (after close). */
  finished: boolean;
}

export interface NativeLogWriter {
  /** false: dropped, the queue is full (the log cannot keep up). */
  write(data: Uint8Array | string): boolean;
  /** Later writes go to fd (own: the writer closes it; else it writes to a dup). */
  setFd(fd: number, own: boolean): void;
  /** Blocks until everything queued is written; false when timeoutMs passed first. */
  flush(timeoutMs: number): boolean;
  close(timeoutMs: number): void;
  stats(): NativeLogWriterStats;
}

export interface NativeLogWriterConstructor {
  new (fd: number, own: boolean, limitBytes: number): NativeLogWriter;
}

/** An inet address ({address, port}) or a unix one ({path}; "@name" when abstract). */
export interface NativeSocketAddress {
  address?: string;
  port?: number;
  path?: string;
}

export interface NativeSocketNames {
  family: 'inet' | 'inet6' | 'unix' | 'other';
  local: NativeSocketAddress;
  /** null: not connected. */
  peer: NativeSocketAddress | null;
}

export interface NativeListenOptions {
  type: 'tcp' | 'unix';
  host?: string;
  port?: number;
  ipv6?: boolean;
  v6only?: boolean;
  reuseAddress?: boolean;
  path?: string;
  abstract?: boolean;
  mode?: number;
  backlog?: number;
}

export interface NativeUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface NativeGroup {
  name: string;
  gid: number;
  members: string[];
}

export interface NativeModule {
  createProcess(options: NativeCreateOptions, onExit: NativeExitCallback): Promise<NativeChildHandle>;
  reapStrays(known: number[]): { reaped: number[]; pending: boolean };
  execute(
    options: { file: string; args: string[]; env: string[]; method?: 'posix_spawn' | 'vfork' },
    onExit: NativeExitCallback,
  ): NativeChildHandle;
  listenSocket(options: NativeListenOptions): { fd: number; port: number };
  socketNames(fd: number): NativeSocketNames;
  getUser(nameOrUid: string | number): NativeUser | null;
  getGroup(nameOrGid: string | number): NativeGroup | null;
  getGroupList(user: string, gid: number): number[];
  setProcessTitle(title: string): void;
  socketpair(type?: 'seqpacket' | 'stream'): [number, number];
  dup2(from: number, to: number): void;
  dup(fd: number): number;
  sharedMemory(size: number, name: string): { fd: number; buffer: ArrayBuffer };
  mapShared(fd: number, size: number): ArrayBuffer;
  startWatchdog(
    table: ArrayBuffer,
    slots: number,
    intervalMs: number,
    stallMs: number,
    offsetMs: number,
    exitCode: number,
    response: Buffer,
  ): void;
  setCloexec(fd: number, on: boolean): void;
  gettid(): number;
  /** Absent from an addon built before it was added. */
  trimMemory?(): boolean;
  /** 16 bytes: MurmurHash3 x64 128-style digest (native/digest.h says why not crypto). */
  digest(bytes: Uint8Array): Buffer;
  /** Absent from an addon built before it was added. */
  setDumpable?(on: boolean): void;
  openat2(dirfd: number, path: string, flags: number, resolve: number): number;
  openat2Constants: {
    AT_FDCWD: number;
    O_RDONLY: number;
    O_PATH: number;
    O_DIRECTORY: number;
    O_NOFOLLOW: number;
    O_NONBLOCK: number;
    RESOLVE_NO_XDEV: number;
    RESOLVE_NO_MAGICLINKS: number;
    RESOLVE_NO_SYMLINKS: number;
    RESOLVE_BENEATH: number;
    RESOLVE_IN_ROOT: number;
  };
  notifySocket(address: string, message: string): void;
  Channel: NativeChannelConstructor;
  FdWatcher: NativeFdWatcherConstructor;
  LogWriter: NativeLogWriterConstructor;
}
