// Listener names are socket addresses, parsed as the listening code will.
import { parseListenAddress } from '../../kernel/listen/address.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { listeners } from './walk.js';

export const checkListenerAddresses: Check = (config) => {
  for (const { address, path } of listeners(config)) {
    try {
      parseListenAddress(address);
    } catch {
      return problem(`The listener address "${address}" is invalid.`, path);
    }
  }
  return null;
};
