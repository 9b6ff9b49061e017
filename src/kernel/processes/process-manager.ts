// Main's side of every process: create it through the native layer, boot
// it, answer CREATED, connect it to its peers when READY (as the connection
// matrix says, READY peers only), log its exit, tell its peers, and restart
// it with backoff when its type asks for that.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ErrorCodes, WeftError } from '../../errors.js';
import { createProcess, resolveCredentials, socketPair } from '../../native/index.js';
import type { ChildProcessHandle, CreateProcessOptions, ExitStatus } from '../../native/index.js';
import { encodeBootInfo, BOOT_ENV } from '../boot/boot-info.js';
import type { BootInfo } from '../boot/boot-info.js';
import type { Logger } from '../log/logger.js';
import type { Message } from '../ports/message.js';
import { MessageType } from '../ports/message-type.js';
import type { Port } from '../ports/port.js';
import type { ProcessTypeDefinition } from '../process-types/process-type.js';
import type { ProcessTypeRegistry } from '../process-types/process-type-registry.js';
import type { Runtime } from '../runtime.js';
import { Backoff } from './backoff.js';
import type { ConnectionMatrix } from './connection-matrix.js';
import { coreProcessEnv } from './environment.js';
import type { ProcessEntry } from './process-table.js';

import '../ports/kernel-methods.js';
import { bundled, bundleDir, compiledRoot } from '../../paths.js';

export interface ProcessManagerOptions {
  runtime: Runtime;
  port: Port;
  log: Logger;
  types: ProcessTypeRegistry;
  /** The script every new process runs. */
  entry: string;
  /** Modules with extra process types, passed on to every process. */
  typeModules: string[];
  /** The fd new processes get as stderr: the log. */
  logFd: () => number;
}

export interface ManagedExit {
  entry: ProcessEntry;
  status: ExitStatus;
  /** Why it failed to start, when it said so. */
  reason: string | undefined;
}

export interface ProcessManagerEvents {
  exit: [ManagedExit];
  ready: [ProcessEntry];
}

interface Child {
  entry: ProcessEntry;
  def: ProcessTypeDefinition;
  handle: ChildProcessHandle;
  processOptions: unknown;
  startedAt: number;
  failure: string | undefined;
  ready: { resolve: (e: ProcessEntry) => void; reject: (e: Error) => void } | undefined;
  /** Not restarted when it exits (retire()). */
  retired: boolean;
}

export class ProcessManager extends EventEmitter<ProcessManagerEvents> {
  #o: ProcessManagerOptions;
  #children = new Map<number, Child>();
  #quitting = false;
  #backoff = new Map<string, Backoff>();
  #restartTimers = new Set<NodeJS.Timeout>();
  #devNull: number;
  #matrix: ConnectionMatrix;

  constructor(options: ProcessManagerOptions) {
    super();
    this.#o = options;
    this.#matrix = options.types.matrix();
    this.#devNull = fs.openSync('/dev/null', 'r+');
    const { port } = options;
    port.onMessage(MessageType.READY, (m) => this.#onReady(m));
    port.onMessage(MessageType.CREATED, (m) => void this.#onCreated(m));
    port.onNotify('kernel.start-failed', ({ reason }, ctx) => {
      const child = this.#children.get(ctx.from);
      if (child) child.failure = reason;
    });
  }

  get quitting(): boolean {
    return this.#quitting;
  }

  /** Live processes of a type. */
  ofType(type: string): ProcessEntry[] {
    return [...this.#children.values()].filter((c) => c.def.type === type).map((c) => c.entry);
  }

  all(): ProcessEntry[] {
    return [...this.#children.values()].map((c) => c.entry);
  }

  /**
   * Starts a process; resolves once it is READY, rejects if it dies or fails
   * first. `extraFds` become fds 4, 5... of the new process (the caller keeps
   * and closes its own). `niceness` > 0 lowers its CPU priority (for work
   * nothing waits on).
   */
  async start(type: string, processOptions: unknown = {}, extraFds: number[] = [], niceness = 0): Promise<ProcessEntry> {
    if (this.#quitting) throw new WeftError(ErrorCodes.PROCESS_START, `not starting ${type}: shutting down`);
    const def = this.#o.types.get(type);
    const { runtime, port, log } = this.#o;
    const name = def.name(processOptions);
    const boot: BootInfo = {
      type,
      name,
      mainPid: runtime.pid,
      options: runtime.options,
      processOptions,
      typeModules: this.#o.typeModules,
    };
    const [mainEnd, childEnd] = socketPair();
    const fds: Array<number | null> = [this.#devNull, this.#devNull, this.#o.logFd(), childEnd, ...extraFds];
    let handle: ChildProcessHandle;
    try {
      const extra = (await def.main?.spawnOptions?.(processOptions, { runtime, log, port })) ?? {};
      const options: CreateProcessOptions = {
        file: process.execPath,
        args: [process.execPath, ...process.execArgv, this.#o.entry],
        cwd: '/',
        fds,
        dieWithParent: 'SIGKILL',
        ...(def.privileged ? {} : { credentials: this.#credentials() }),
        ...extra,
        // The type's environment, but the boot information is the kernel's.
        env: { ...(extra.env ?? coreProcessEnv()), [BOOT_ENV]: encodeBootInfo(boot) },
      };
      if (options.fds !== fds) {
        throw new WeftError(ErrorCodes.PROCESS_START, `${type}: spawnOptions may not replace the fds`);
      }
      handle = await createProcess(options);
      // Best effort: it only decides who waits when the CPUs are busy.
      if (niceness > 0) setNiceness(handle.pid, niceness);
    } catch (e) {
      fs.closeSync(mainEnd);
      throw new WeftError(ErrorCodes.PROCESS_START, `cannot start ${name}: ${(e as Error).message}`, { cause: e });
    } finally {
      fs.closeSync(childEnd);
    }

    const entry = runtime.processes.add({ pid: handle.pid, type, cls: def.cls, name }, 'creating');
    const child: Child = {
      entry,
      def,
      handle,
      processOptions,
      startedAt: Date.now(),
      failure: undefined,
      ready: undefined,
      retired: false,
    };
    this.#children.set(handle.pid, child);
    port.link(entry.info(), mainEnd);
    port.send(handle.pid, MessageType.BOOT, { pid: handle.pid });
    void handle.exited.then((status) => this.#onExit(child, status));
    return new Promise<ProcessEntry>((resolve, reject) => {
      child.ready = { resolve, reject };
    });
  }

  /** Graceful stop of every process: QUIT, then SIGKILL after `graceMs`. */
  async quit(graceMs = 5000): Promise<void> {
    this.#quitting = true;
    for (const t of this.#restartTimers) clearTimeout(t);
    this.#restartTimers.clear();
    const children = [...this.#children.values()];
    for (const c of children) {
      // One still booting may not listen for QUIT yet (its start was cut short); SIGTERM reaches it either way.
      if (c.entry.state === 'ready' && this.#o.port.send(c.entry.pid, MessageType.QUIT)) continue;
      c.handle.kill('SIGTERM');
    }
    const kill = setTimeout(() => {
      for (const c of children) c.handle.kill('SIGKILL');
    }, graceMs);
    await Promise.all(children.map((c) => c.handle.exited));
    clearTimeout(kill);
    fs.closeSync(this.#devNull);
  }

  /** Stops one process (QUIT, then SIGKILL); resolves at its exit. */
  async stop(pid: number, graceMs = 5000): Promise<void> {
    const c = this.#children.get(pid);
    if (!c) return;
    if (!this.#o.port.send(pid, MessageType.QUIT)) c.handle.kill('SIGTERM');
    const kill = setTimeout(() => c.handle.kill('SIGKILL'), graceMs);
    await c.handle.exited;
    clearTimeout(kill);
  }

  /** One process is no longer wanted: whenever it exits, it is not restarted (stop() it when it may go). */
  retire(pid: number): void {
    const c = this.#children.get(pid);
    if (c) c.retired = true;
  }

  /** Is process `pid` retired (see retire())? */
  retired(pid: number): boolean {
    return this.#children.get(pid)?.retired ?? false;
  }

  /** Sends a signal to one process. */
  kill(pid: number, signal: NodeJS.Signals): boolean {
    return this.#children.get(pid)?.handle.kill(signal) ?? false;
  }

  #credentials(): CreateProcessOptions['credentials'] {
    const { user, group } = this.#o.runtime.options;
    const creds = resolveCredentials(user, group);
    // Unprivileged processes get no supplementary groups but the primary.
    return { uid: creds.uid, gid: creds.gid, groups: [] };
  }

  async #onCreated(m: Message): Promise<void> {
    const child = this.#children.get(m.from.pid);
    if (!child) return;
    child.entry.state = 'created';
    try {
      await child.def.main?.onCreated?.(child.entry, { runtime: this.#o.runtime, log: this.#o.log, port: this.#o.port });
      this.#o.port.answer(m.from.pid, m.stream, true);
    } catch (e) {
      this.#o.port.answerError(m.from.pid, m.stream, { message: (e as Error).message, code: (e as WeftError).code });
    }
  }

  #onReady(m: Message): void {
    const child = this.#children.get(m.from.pid);
    if (!child) return;
    child.entry.state = 'ready';
    this.#connectPeers(child.entry);
    child.ready?.resolve(child.entry);
    child.ready = undefined;
    this.emit('ready', child.entry);
  }

  // A new READY process gets a channel to every READY process its class
  // connects to, and they get one to it; nothing else.
  #connectPeers(entry: ProcessEntry): void {
    const { port } = this.#o;
    for (const other of this.#children.values()) {
      const peer = other.entry;
      if (peer.pid === entry.pid || peer.state !== 'ready') continue;
      if (!this.#matrix.connects(entry.cls, peer.cls)) continue;
      const [a, b] = socketPair();
      try {
        port.send(entry.pid, MessageType.NEW_PORT, { peer: peer.info() }, { fds: [a] });
        port.send(peer.pid, MessageType.NEW_PORT, { peer: entry.info() }, { fds: [b] });
      } finally {
        fs.closeSync(a);
        fs.closeSync(b);
      }
    }
  }

  #onExit(child: Child, status: ExitStatus): void {
    const { entry } = child;
    const { log, port, runtime } = this.#o;
    this.#children.delete(entry.pid);
    const wasReady = entry.state === 'ready';
    runtime.processes.exited(entry.pid);
    port.unlink(entry.pid);
    const how = status.signal ? `on signal ${signalNumber(status.signal)}` : `with code ${status.code}`;
    const clean = status.code === 0 || ((this.#quitting || child.retired) && status.signal !== null);
    log.log(clean ? 'notice' : 'error', `process ${entry.pid} exited ${how}`);
    if (!wasReady && child.failure) log.error(`${entry.name} failed to start: ${child.failure}`);
    // Peers holding a channel to it drop it.
    for (const other of this.#children.values()) {
      if (this.#matrix.connects(other.entry.cls, entry.cls)) port.send(other.entry.pid, MessageType.REMOVE_PID, { pid: entry.pid });
    }
    if (child.ready) {
      const why = child.failure ?? `it exited ${how}`;
      child.ready.reject(new WeftError(ErrorCodes.PROCESS_START, `${entry.name} did not start: ${why}`));
      child.ready = undefined;
    }
    this.emit('exit', { entry, status, reason: child.failure });
    if (child.def.restart && wasReady && !this.#quitting && !child.retired) this.#restart(child);
  }

  #restart(child: Child): void {
    const type = child.def.type;
    let backoff = this.#backoff.get(type);
    if (!backoff) this.#backoff.set(type, (backoff = new Backoff()));
    const delay = backoff.next(Date.now() - child.startedAt);
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      this.start(type, child.processOptions).catch((e: Error) => {
        this.#o.log.alert(e.message);
        if (!this.#quitting) this.#restart(child);
      });
    }, delay);
    this.#restartTimers.add(timer);
  }
}

function setNiceness(pid: number, niceness: number): void {
  try {
    os.setPriority(pid, niceness);
  } catch {
    // it may have exited already
  }
}

function signalNumber(name: NodeJS.Signals): number {
  return os.constants.signals[name];
}

/** Every process main starts runs this: the bundled entry when main runs bundled, so that both run one build. */
export const defaultEntry = (): string => path.join(bundled ? bundleDir : compiledRoot, 'process-entry.js');
