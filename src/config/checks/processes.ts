// Dynamic scaling keeps at most "max" processes, so "spare" cannot exceed
// it; both have defaults (max 1, spare 0), so the schema cannot tell.
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { applications } from './walk.js';

export const checkProcesses: Check = (config) => {
  for (const { value: app, path } of applications(config)) {
    const processes = app.processes;
    if (typeof processes !== 'object') continue;
    if ((processes.spare ?? 0) > (processes.max ?? 1)) {
      return problem('The "spare" number must be less than or equal to "max".', childPointer(childPointer(path, 'processes'), 'spare'));
    }
  }
  return null;
};
