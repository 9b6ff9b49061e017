// `--log-format json`: one JSON object per line, for log collectors
// (Loki, Elasticsearch, CloudWatch, journald's JSON export). The members
// every line has come first and cannot be overridden by fields:
//   {"time":"2026-11-27T05:03:37.123Z","level":"info","pid":9265,"tid":9265,
//    "process":"router","message":"router started", ...fields}
// Fields are the process's context (process type, app) and what the call
// site adds (code: an error's stable code, status, ...).
import type { LogLevel } from './format.js';

export type LogFieldValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogFieldValue>>;

const RESERVED = new Set(['time', 'level', 'pid', 'tid', 'message']);

export function formatJsonLine(
  level: LogLevel,
  pid: number,
  tid: number,
  message: string,
  fields: LogFields | undefined,
  date = new Date(),
): string {
  const record: Record<string, unknown> = { time: date.toISOString(), level, pid, tid };
  if (fields) {
    // Context fields (process, app) come before the message, call-site ones after.
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && !RESERVED.has(key)) record[key] = value;
    }
  }
  record.message = message.replace(/\n$/, '');
  // JSON.stringify escapes newlines: one record is always one line.
  return `${JSON.stringify(record)}\n`;
}
