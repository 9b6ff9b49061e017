// Unit's log line: "2026/11/27 05:03:37 [info] 9265#9265 message".
export const LOG_LEVELS = ['alert', 'error', 'warn', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How lines are written: Unit's text ("unit") or one JSON object per line ("json"). */
export const LOG_FORMATS = ['unit', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatTimestamp(d: Date): string {
  return (
    `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

export function formatLogLine(level: LogLevel, pid: number, tid: number, message: string, date = new Date()): string {
  // One record per line: a message with newlines (a stack, an app's output)
  // keeps its lines, each continuation indented so that tools can tell.
  const body = message.includes('\n') ? message.replace(/\n(?!$)/g, '\n    ') : message;
  return `${formatTimestamp(date)} [${level}] ${pid}#${tid} ${body.replace(/\n$/, '')}\n`;
}
