// What one access log line looks like: Unit's default (the Combined Log
// Format), a format string with variables, or a JSON object whose values
// are templates (one JSON document per line).
import { compileCondition, compileTemplate, fromByteString } from '../routing/index.js';
import type { VariableContext } from '../routing/index.js';

export const DEFAULT_FORMAT =
  '$remote_addr - - [$time_local] "$request_line" $status $body_bytes_sent "$header_referer" "$header_user_agent"';

export type AccessLogConfig = string | { path: string; format?: string | Record<string, string>; if?: string };

export interface CompiledFormat {
  line(ctx: VariableContext): string;
  wanted(ctx: VariableContext): boolean;
}

export function compileFormat(config: AccessLogConfig, path: string): CompiledFormat {
  const format = typeof config === 'string' ? DEFAULT_FORMAT : (config.format ?? DEFAULT_FORMAT);
  const condition = typeof config === 'string' || config.if === undefined ? () => true : compileCondition(config.if, `${path}/if`);
  if (typeof format === 'string') {
    const template = compileTemplate(format, `${path}/format`, { logging: true });
    // Byte strings (request bytes) are written as they came.
    return { line: (ctx) => `${template(ctx)}\n`, wanted: condition };
  }
  const fields = Object.entries(format).map(
    ([name, value]) => [name, compileTemplate(value, `${path}/format/${name}`, { logging: true })] as const,
  );
  return {
    line: (ctx) => {
      const record: Record<string, string> = {};
      for (const [name, template] of fields) record[name] = fromByteString(template(ctx));
      return `${JSON.stringify(record)}\n`;
    },
    wanted: condition,
  };
}

export function accessLogPath(config: AccessLogConfig): string {
  return typeof config === 'string' ? config : config.path;
}
