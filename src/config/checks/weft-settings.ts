// settings.weft (Weft's own, absent from Unit configurations): the health
// and metrics endpoints' addresses are TCP addresses that no listener
// already takes; they may share one address, but not overlap otherwise.
// Not unix sockets: probes, load balancers and Prometheus speak TCP, and
// the sockets are the controller's, whose files the router's bookkeeping
// in main would remove.
import { parseListenAddress } from '../../kernel/listen/address.js';
import type { ListenAddress } from '../../kernel/listen/address.js';
import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Problem } from '../problem.js';
import type { WeftConfig } from '../types.js';
import type { Check } from './check.js';
import { listeners } from './walk.js';

/** Would binding both fail (same port, same host or one of them every host)? */
function overlaps(a: ListenAddress, b: ListenAddress): boolean {
  if (a.kind === 'unix' || b.kind === 'unix' || a.kind !== b.kind || a.port !== b.port) return a.key === b.key;
  const any = a.kind === 'inet' ? '*' : '::';
  return a.host === b.host || a.host === any || b.host === any;
}

function checkAddress(config: WeftConfig, member: 'health' | 'metrics', text: string): Problem | ListenAddress {
  const path = toPointer(['settings', 'weft', member]);
  let address: ListenAddress;
  try {
    address = parseListenAddress(text);
  } catch {
    return problem(`The "${member}" address "${text}" is invalid.`, path);
  }
  if (address.kind === 'unix')
    return problem(`The "${member}" address "${text}" must be an IP address and a port, not a unix socket.`, path);
  for (const listener of listeners(config)) {
    let other: ListenAddress;
    try {
      other = parseListenAddress(listener.address);
    } catch {
      continue;
    }
    if (overlaps(address, other)) return problem(`The "${member}" address "${text}" is taken by the listener "${listener.address}".`, path);
  }
  return address;
}

export const checkWeftSettings: Check = (config) => {
  const weft = config.settings?.weft;
  if (!weft) return null;
  const found: Partial<Record<'health' | 'metrics', ListenAddress>> = {};
  for (const member of ['health', 'metrics'] as const) {
    const text = weft[member];
    if (text === undefined) continue;
    const r = checkAddress(config, member, text);
    if ('detail' in r) return r;
    found[member] = r;
  }
  if (found.health && found.metrics && found.health.key !== found.metrics.key && overlaps(found.health, found.metrics)) {
    return problem(
      `The "metrics" address "${weft.metrics}" overlaps the "health" address "${weft.health}": use the same address for both, or another port.`,
      toPointer(['settings', 'weft', 'metrics']),
    );
  }
  return null;
};
