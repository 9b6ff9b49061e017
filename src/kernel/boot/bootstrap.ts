// The generic start of every process main creates (the seed's
// nxt_process_start path): learn the real pid, set the title, pick the
// engine, start the thread pool, open the port, run the type's setup hook,
// then either go READY at once (core types) or send CREATED and wait for
// main's privileged step, start, and go READY. Everything a type does beyond
// that is in its hooks.
import fs from 'node:fs';

import type { DependencyContainer } from 'tsyringe';

import { ErrorCodes, WeftError } from '../../errors.js';
import { dup2, setProcessTitle } from '../../native/index.js';
import { createProcessContainer } from '../container.js';
import type { ServiceRegistry } from '../services/service-registry.js';
import { Logger } from '../log/logger.js';
import { decodeJson } from '../ports/message.js';
import type { Message } from '../ports/message.js';
import { MessageType } from '../ports/message-type.js';
import { Port } from '../ports/port.js';
import type { ConnectionMatrix } from '../processes/connection-matrix.js';
import type { ProcessInfo } from '../processes/process-table.js';
import type { ProcessContext, ProcessTypeDefinition } from '../process-types/process-type.js';
import type { ProcessTypeRegistry } from '../process-types/process-type-registry.js';
import { Runtime } from '../runtime.js';
import { ENGINE, LIFECYCLE, LOGGER, PORT, PROCESS_HOOKS, resolve, RUNTIME, THREAD_POOL } from '../tokens.js';
import '../ports/kernel-methods.js';
import type { BootInfo } from './boot-info.js';
import { MAIN_CHANNEL_FD } from './boot-info.js';
import { trimWhenQuiet } from '../memory/trim-when-quiet.js';

/** Payload of NEW_PORT. */
export interface NewPortPayload {
  peer: ProcessInfo;
}

/** Payload of BOOT. */
export interface BootPayload {
  pid: number;
}

const BOOT_TIMEOUT_MS = 30000;

function waitForBoot(port: Port): Promise<BootPayload> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new WeftError(ErrorCodes.PROCESS_START, 'main sent no BOOT message')), BOOT_TIMEOUT_MS);
    timer.unref();
    port.onMessage(MessageType.BOOT, (m) => {
      clearTimeout(timer);
      resolve(decodeJson<BootPayload>(m));
    });
  });
}

/** `callers`: who may call which of this process's methods (Port.restrictCallers). */
export async function bootProcess(
  boot: BootInfo,
  types: ProcessTypeRegistry,
  services: ServiceRegistry,
  callers: Readonly<Record<string, readonly string[]>> = {},
): Promise<void> {
  const log = new Logger({ fd: 2, level: boot.options.logLevel, format: boot.options.logFormat, context: { process: boot.type } });
  const def: ProcessTypeDefinition = types.get(boot.type);
  const port = new Port(process.pid, log);
  port.restrictCallers(callers);
  port.kernelMessagesOnlyFrom(boot.mainPid);
  const mainInfo: ProcessInfo = { pid: boot.mainPid, type: 'main', cls: 'main', name: 'main' };
  port.link(mainInfo, MAIN_CHANNEL_FD);
  // Main gone means this process has nothing left to serve.
  port.on('peer-closed', (peer) => {
    if (peer.pid === boot.mainPid) process.exit(0);
  });

  try {
    await runBoot(boot, def, port, mainInfo, services, types);
  } catch (e) {
    // main logs why the process died; the reason travels with a last message.
    const reason = e instanceof Error ? e.message : String(e);
    log.error(`${boot.name}: start-up failed: ${reason}`);
    port.notify(boot.mainPid, 'kernel.start-failed', { reason });
    setImmediate(() => process.exit(1));
  }
}

async function runBoot(
  boot: BootInfo,
  def: ProcessTypeDefinition,
  port: Port,
  mainInfo: ProcessInfo,
  services: ServiceRegistry,
  types: ProcessTypeRegistry,
): Promise<void> {
  const log = port.log;
  const { pid } = await waitForBoot(port);
  port.pid = pid;
  log.pid = pid;
  const runtime = new Runtime(boot.type, def.cls, boot.name, pid, boot.mainPid, boot.options, boot.processOptions);
  runtime.processes.add(mainInfo, 'ready');
  setProcessTitle(runtime.title);

  const matrix = types.matrix();
  const container = createProcessContainer({ runtime, log, port, services, matrix });
  // Installed before the type's code loads; once it has, QUIT stops the
  // type's lifecycle with the services its module registered.
  let ctx = contextOf(container);
  installKernelHandlers(() => ctx, def, matrix);

  const scope = container.createChildContainer();
  (await def.load()).register(scope);
  for (const register of types.registrationsOf(def.type)) register(scope);
  ctx = contextOf(scope);
  const hooks = resolve(scope, PROCESS_HOOKS);
  installSignals(ctx, hooks.signals ?? {});
  // Registered first, so it stops last: the type may use threads while stopping.
  ctx.lifecycle.register({ name: 'thread pool', stop: () => ctx.threads.shutdown() });
  ctx.lifecycle.register({
    name: def.type,
    setup: () => hooks.setup?.(ctx),
    start: () => hooks.start?.(ctx),
    stop: (reason) => hooks.stop?.(ctx, reason),
  });

  await ctx.lifecycle.setUp();
  if (def.handshake === 'created') {
    const { stream, answer } = port.expectAnswer(boot.mainPid);
    port.send(boot.mainPid, MessageType.CREATED, { pid }, { stream });
    try {
      await answer;
    } catch (e) {
      throw new WeftError(ErrorCodes.PROCESS_START, `main refused to let ${runtime.name} start: ${(e as Error).message}`, { cause: e });
    }
  }
  await ctx.lifecycle.startUp();
  port.send(boot.mainPid, MessageType.READY, { pid });
  log.info(`${runtime.name} started`);
  trimWhenQuiet();
}

function contextOf(container: DependencyContainer): ProcessContext {
  return {
    container,
    runtime: resolve(container, RUNTIME),
    log: resolve(container, LOGGER),
    port: resolve(container, PORT),
    engine: resolve(container, ENGINE),
    threads: resolve(container, THREAD_POOL),
    lifecycle: resolve(container, LIFECYCLE),
  };
}

function installKernelHandlers(current: () => ProcessContext, def: ProcessTypeDefinition, matrix: ConnectionMatrix): void {
  const { port, runtime, log } = current();
  port.onMessage(MessageType.NEW_PORT, (m: Message) => {
    const { peer } = decodeJson<NewPortPayload>(m);
    const [fd] = m.fds;
    // Channels the matrix does not name are refused, whoever sends them.
    if (fd === undefined || !matrix.connects(def.cls, peer.cls)) {
      m.fds.forEach((f) => fs.closeSync(f));
      log.alert(`refused a channel from ${runtime.name} to ${peer.name} (pid ${peer.pid})`);
      return;
    }
    runtime.processes.add(peer, 'ready');
    port.link(peer, fd);
  });
  port.onMessage(MessageType.REMOVE_PID, (m) => {
    const { pid } = decodeJson<{ pid: number }>(m);
    port.unlink(pid);
    runtime.processes.exited(pid);
  });
  port.onMessage(MessageType.QUIT, () => void quit(current(), 'quit'));
  port.onMessage(MessageType.CHANGE_FILE, (m) => {
    // The log was reopened by main: point fd 2 at the new file.
    const [fd] = m.fds;
    if (fd === undefined) return;
    dup2(fd, 2);
    fs.closeSync(fd);
    log.fd = 2;
  });
}

// Ctrl-C in a terminal reaches the whole process group: only main decides.
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

function installSignals(ctx: ProcessContext, own: Partial<Record<NodeJS.Signals, (ctx: ProcessContext) => void>>): void {
  for (const signal of IGNORED) {
    const handler = own[signal];
    ctx.engine.onSignal(signal, handler ? () => handler(ctx) : () => {});
  }
  const term = own.SIGTERM;
  ctx.engine.onSignal('SIGTERM', term ? () => term(ctx) : () => void quit(ctx, 'SIGTERM'));
}

let quitting = false;

export async function quit(ctx: ProcessContext, reason: string): Promise<void> {
  if (quitting) return;
  quitting = true;
  const errors = await ctx.lifecycle.stop(reason);
  for (const e of errors) ctx.log.error(e.message);
  ctx.port.closeAll();
  process.exit(errors.length > 0 ? 1 : 0);
}
