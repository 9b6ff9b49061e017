// A cgroup path must fit below /sys/fs/cgroup and stay there
// (nxt_conf_vldt_cgroup_path).
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { applications } from './walk.js';

// NXT_MAX_PATH_LEN minus "/sys/fs/cgroup" minus the separator.
const MAX_LENGTH = 4096 - '/sys/fs/cgroup'.length - 1;

export const checkCgroupPaths: Check = (config) => {
  for (const { value: app, path } of applications(config)) {
    const cgroup = app.isolation?.cgroup?.path;
    if (cgroup === undefined) continue;
    const at = childPointer(childPointer(childPointer(path, 'isolation'), 'cgroup'), 'path');
    if (Buffer.byteLength(cgroup) >= MAX_LENGTH) return problem(`The cgroup path "${cgroup}" is too long.`, at);
    if (cgroup.length === 0 || cgroup.includes('\0') || `/${cgroup}/`.includes('/../')) {
      return problem(`The cgroup path "${cgroup}" is invalid.`, at);
    }
  }
  return null;
};
