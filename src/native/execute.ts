// Starting a plain program without isolation (the seed's nxt_process_execute):
// posix_spawn, or vfork + execve.
import { ErrorCodes, fromNative } from '../errors.js';
import { ChildProcessHandle, exitCallback, resolveProgram } from './create-process.js';
import { native } from './load.js';

export interface ExecuteOptions {
  file: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  method?: 'posix_spawn' | 'vfork';
}

export function execute(options: ExecuteOptions): ChildProcessHandle {
  const env = options.env ?? (process.env as Record<string, string | undefined>);
  const envList = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const { onExit, exited } = exitCallback();
  const child = new ChildProcessHandle(exited);
  try {
    child.attach(
      native.execute(
        {
          file: resolveProgram(options.file, env),
          args: options.args ?? [options.file],
          env: envList,
          method: options.method ?? 'posix_spawn',
        },
        onExit,
      ),
    );
  } catch (e) {
    throw fromNative(ErrorCodes.EXECUTE, e, `executing ${options.file}`);
  }
  return child;
}
