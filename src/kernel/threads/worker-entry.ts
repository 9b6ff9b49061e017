// Runs in each pool thread: executes tasks one at a time.
import { parentPort } from 'node:worker_threads';

import type { TaskReply, TaskRequest } from './task-protocol.js';
import { ErrorCodes, WeftError } from '../../errors.js';

parentPort!.on('message', async (task: TaskRequest) => {
  let reply: TaskReply;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(task.module) as Record<string, unknown>;
    const fn = mod[task.fn];
    if (typeof fn !== 'function') throw new WeftError(ErrorCodes.THREAD_TASK, `${task.module} exports no function "${task.fn}"`);
    reply = { id: task.id, ok: true, value: await (fn as (...a: unknown[]) => unknown)(...task.args) };
  } catch (e) {
    const err = e instanceof Error ? e : new WeftError(ErrorCodes.THREAD_TASK, String(e));
    reply = {
      id: task.id,
      ok: false,
      error: { message: err.message, name: err.name, code: (err as { code?: string }).code, stack: err.stack },
    };
  }
  parentPort!.postMessage(reply);
});
