// settings.weft (Weft's own, absent from Unit configurations): the health
// endpoint's address is a TCP address that no listener already takes. Not a
// unix socket: probes and load balancers speak TCP, and the socket is the
// controller's, whose file the router's bookkeeping in main would remove.
import { parseListenAddress } from '../../kernel/listen/address.js';
import type { ListenAddress } from '../../kernel/listen/address.js';
import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { listeners } from './walk.js';

/** Would binding both fail (same port, same host or one of them every host)? */
function overlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.kind === 'unix' || b.kind === 'unix' || a.kind !== b.kind || a.port !== b.port) return a.key === b.key;
  const any = a.kind === 'inet' ? '*' : '::';
  return a.host === b.host || a.host === any || b.host === any;
}

export const checkWeftSettings: Check = (config) => {
  const health = config.settings?.weft?.health;
  if (health === undefined) return null;
  const path = toPointer(['settings', 'weft', 'health']);
  let address: ListenAddress;
  try {
    address = parseListenAddress(health);
  } catch {
    return problem(`The "health" address "${health}" is invalid.`, path);
  }
  if (address.kind === 'unix') return problem(`The "health" address "${health}" must be an IP address and a port, not a unix socket.`, path);
  for (const listener of listeners(config)) {
    let other: ListenAddress;
    try {
      other = parseListenAddress(listener.address);
    } catch {
      continue;
    }
    if (overlaps(address, other)) return problem(`The "health" address "${health}" is taken by the listener "${listener.address}".`, path);
  }
  return null;
};
