// A pool of worker threads for work that would stall the event loop
// (hashing, parsing big documents, compression). Tasks name a module and an
// exported function, since closures cannot cross threads. Workers start on
// demand up to `size`, and exit after `idleTimeoutMs` without work. A task
// that throws rejects with the thrown error; a worker that dies (uncaught
// error, process.exit in the thread) rejects its task and is replaced.
// shutdown() drains: queued and running tasks finish, then the threads end.
import path from 'node:path';
import type { Worker } from 'node:worker_threads';

import { ErrorCodes, WeftError } from '../../errors.js';
import { compiledRoot } from '../../paths.js';
import type { TaskReply, TaskRequest } from './task-protocol.js';

export interface ThreadPoolOptions {
  size: number;
  idleTimeoutMs?: number;
}

interface Task {
  id: number;
  request: TaskRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  task: Task | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

// By path from the package (not this file's __dirname, which a bundle changes).
const workerEntry = path.join(compiledRoot, 'kernel', 'threads', 'worker-entry.js');

export class ThreadPool {
  readonly size: number;
  readonly idleTimeoutMs: number;
  #threads = new Set<Thread>();
  #queue: Task[] = [];
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: ThreadPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new WeftError(ErrorCodes.THREAD_POOL, 'a thread pool needs a size of at least 1');
    }
    this.size = options.size;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30000;
  }

  /** Live threads. */
  get threads(): number {
    return this.#threads.size;
  }

  get queued(): number {
    return this.#queue.length;
  }

  run<T>(module: string, fn: string, ...args: unknown[]): Promise<T> {
    if (this.#closing) {
      return Promise.reject(new WeftError(ErrorCodes.THREAD_POOL, 'the thread pool is shutting down'));
    }
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#queue.push({ id, request: { id, module, fn, args }, resolve: resolve as (v: unknown) => void, reject });
      this.#dispatch();
    });
  }

  shutdown(): Promise<void> {
    if (!this.#closing) {
      this.#closing = new Promise<void>((resolve) => {
        this.#drained = resolve;
      }).then(() => this.#terminateAll());
      this.#checkDrained();
    }
    return this.#closing;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let thread = [...this.#threads].find((t) => t.task === undefined);
      if (!thread && this.#threads.size < this.size) thread = this.#spawn();
      if (!thread) return;
      const task = this.#queue.shift()!;
      if (thread.idleTimer) clearTimeout(thread.idleTimer);
      thread.idleTimer = undefined;
      thread.task = task;
      thread.worker.postMessage(task.request);
    }
  }

  #spawn(): Thread {
    // node:worker_threads loads with the first thread: most processes never start one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const worker = new (require('node:worker_threads') as typeof import('node:worker_threads')).Worker(workerEntry);
    const thread: Thread = { worker, task: undefined, idleTimer: undefined };
    this.#threads.add(thread);
    worker.on('message', (reply: TaskReply) => this.#complete(thread, reply));
    worker.on('error', (error) => this.#lose(thread, error));
    worker.on('exit', (code) => this.#lose(thread, new WeftError(ErrorCodes.THREAD_TASK, `the worker thread exited with code ${code}`)));
    return thread;
  }

  #complete(thread: Thread, reply: TaskReply): void {
    const task = thread.task;
    thread.task = undefined;
    if (task && task.id === reply.id) {
      if (reply.ok) task.resolve(reply.value);
      else task.reject(Object.assign(new WeftError(ErrorCodes.THREAD_TASK, reply.error.message), reply.error));
    }
    this.#idle(thread);
    this.#dispatch();
    this.#checkDrained();
  }

  #lose(thread: Thread, error: Error): void {
    if (!this.#threads.delete(thread)) return;
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    const task = thread.task;
    thread.task = undefined;
    if (task) {
      task.reject(
        new WeftError(ErrorCodes.THREAD_POOL, `the worker thread running ${task.request.fn}() died: ${error.message}`, {
          cause: error,
        }),
      );
    }
    this.#dispatch();
    this.#checkDrained();
  }

  #idle(thread: Thread): void {
    if (this.#queue.length > 0 || this.#closing) return;
    thread.idleTimer = setTimeout(() => {
      if (thread.task === undefined) {
        this.#threads.delete(thread);
        void thread.worker.terminate();
      }
    }, this.idleTimeoutMs);
    thread.idleTimer.unref();
  }

  #checkDrained(): void {
    if (!this.#drained || this.#queue.length > 0) return;
    if ([...this.#threads].some((t) => t.task !== undefined)) return;
    const done = this.#drained;
    this.#drained = undefined;
    done();
  }

  async #terminateAll(): Promise<void> {
    const threads = [...this.#threads];
    this.#threads.clear();
    for (const t of threads) if (t.idleTimer) clearTimeout(t.idleTimer);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
