// "proxy" is "http://" and a socket address: "http://127.0.0.1:8080",
// "http://[::1]:8080", "http://unix:/path/to.sock".
import { parseListenAddress } from '../../kernel/listen/address.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { actions } from './walk.js';

const SCHEME = 'http://';

function isValidProxy(target: string): boolean {
  if (!target.startsWith(SCHEME)) return false;
  try {
    parseListenAddress(target.slice(SCHEME.length));
    return true;
  } catch {
    return false;
  }
}

export const checkProxyAddresses: Check = (config) => {
  for (const { value: action, path } of actions(config)) {
    const target = action.proxy;
    if (target === undefined || isValidProxy(target)) continue;
    // Unit quotes the address without its scheme, and ends without a period.
    const shown = target.startsWith(SCHEME) ? target.slice(SCHEME.length) : target;
    return problem(`The "proxy" address is invalid "${shown}"`, childPointer(path, 'proxy'));
  }
  return null;
};
