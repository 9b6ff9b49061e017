// Messages between the pool and its worker threads.
export interface TaskRequest {
  id: number;
  /** Absolute path of a module to require in the thread. */
  module: string;
  /** An exported function of it; may return a promise. */
  fn: string;
  args: unknown[];
}

export type TaskReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; name?: string; code?: string; stack?: string } };
