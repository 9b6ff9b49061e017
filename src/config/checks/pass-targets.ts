// Every "pass" must name something that exists: a route list, an
// application (and its target), or an upstream. A "pass" with variables is
// resolved per request; the templates check covers its syntax.
import { passSegments } from '../pass.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import { isTemplate } from '../template-check.js';
import type { WeftConfig } from '../types.js';
import type { Check } from './check.js';
import { actions, listeners } from './walk.js';

function has(object: unknown, key: string): boolean {
  return typeof object === 'object' && object !== null && !Array.isArray(object) && Object.hasOwn(object, key);
}

/** Does the destination exist? (nxt_conf_vldt_pass) */
function exists(config: WeftConfig, [kind, name, target]: string[]): boolean {
  switch (kind) {
    case 'applications': {
      if (name === undefined || !has(config.applications, name)) return false;
      return target === undefined || has(config.applications?.[name]?.targets, target);
    }
    case 'upstreams':
      return name !== undefined && target === undefined && has(config.upstreams, name);
    case 'routes':
      if (target !== undefined) return false;
      return name === undefined ? Array.isArray(config.routes) : has(config.routes, name);
    default:
      return false;
  }
}

function passProblem(config: WeftConfig, pass: string, path: string) {
  if (isTemplate(pass)) return null;
  const segments = passSegments(pass);
  if (segments === null) return problem(`Request "pass" value "${pass}" is invalid.`, path);
  if (!exists(config, segments)) return problem(`Request "pass" points to invalid location "${pass}".`, path);
  return null;
}

export const checkPassTargets: Check = (config) => {
  for (const { value: listener, path } of listeners(config)) {
    if (listener.pass !== undefined) {
      const found = passProblem(config, listener.pass, childPointer(path, 'pass'));
      if (found) return found;
    }
    if (listener.application !== undefined && !has(config.applications, listener.application)) {
      return problem(
        `Listening socket is assigned for a non existing application "${listener.application}".`,
        childPointer(path, 'application'),
      );
    }
  }
  for (const { value: action, path } of actions(config)) {
    if (action.pass === undefined) continue;
    const found = passProblem(config, action.pass, childPointer(path, 'pass'));
    if (found) return found;
  }
  return null;
};
