// Variables are known and well-formed wherever Unit allows them: "pass",
// "rewrite", "location", "share", "chroot", response header values, the
// "if" conditions and the access log format.
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Problem } from '../problem.js';
import { templateError } from '../template-check.js';
import type { Check } from './check.js';
import { actions, listeners, matches, strings } from './walk.js';

function check(text: string, member: string, path: string): Problem | null {
  const error = templateError(text, member);
  return error ? problem(error, path) : null;
}

// A condition may start with "!" to invert it (nxt_conf_vldt_if).
function checkCondition(text: string, path: string): Problem | null {
  return check(text.startsWith('!') ? text.slice(1) : text, 'if', path);
}

export const checkTemplates: Check = (config) => {
  for (const { value: listener, path } of listeners(config)) {
    if (listener.pass === undefined) continue;
    const found = check(listener.pass, 'pass', childPointer(path, 'pass'));
    if (found) return found;
  }
  for (const { value: match, path } of matches(config)) {
    if (match.if === undefined) continue;
    const found = checkCondition(match.if, childPointer(path, 'if'));
    if (found) return found;
  }
  for (const { value: action, path } of actions(config)) {
    for (const member of ['pass', 'rewrite', 'location', 'chroot'] as const) {
      const text = action[member];
      if (text === undefined) continue;
      const found = check(text, member, childPointer(path, member));
      if (found) return found;
    }
    if (action.share !== undefined) {
      for (const { value: text, path: at } of strings(action.share, childPointer(path, 'share'))) {
        const found = check(text, 'share', at);
        if (found) return found;
      }
    }
    for (const [name, value] of Object.entries(action.response_headers ?? {})) {
      if (value === null) continue;
      const found = check(value, name, childPointer(childPointer(path, 'response_headers'), name));
      if (found) return found;
    }
  }
  const log = config.access_log;
  if (log !== undefined && typeof log !== 'string') {
    if (typeof log.format === 'string') {
      const found = check(log.format, 'format', '/access_log/format');
      if (found) return found;
    } else if (log.format) {
      for (const [name, value] of Object.entries(log.format)) {
        const found = check(value, name, childPointer('/access_log/format', name));
        if (found) return found;
      }
    }
    if (log.if !== undefined) {
      const found = checkCondition(log.if, '/access_log/if');
      if (found) return found;
    }
  }
  return null;
};
