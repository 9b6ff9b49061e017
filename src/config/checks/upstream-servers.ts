// Upstream servers are named by socket address, like listeners.
import { parseListenAddress } from '../../kernel/listen/address.js';
import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';

export const checkUpstreamServers: Check = (config) => {
  for (const [name, upstream] of Object.entries(config.upstreams ?? {})) {
    for (const address of Object.keys(upstream.servers)) {
      try {
        parseListenAddress(address);
      } catch {
        return problem(`The "${address}" is not valid server address.`, toPointer(['upstreams', name, 'servers', address]));
      }
    }
  }
  return null;
};
