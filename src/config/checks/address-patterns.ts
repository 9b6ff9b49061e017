// Address patterns in "source", "destination" and trusted proxy sources.
import { parseAddressPattern } from '../address-pattern.js';
import type { AddressPatternError } from '../address-pattern.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Patterns } from '../types.js';
import type { At } from './walk.js';
import type { Check } from './check.js';
import { listeners, matches, strings } from './walk.js';

// nxt_conf_vldt_match_addr, word for word ("port an invalid port" included).
const MESSAGES: Record<AddressPatternError, string> = {
  port: 'The "address" port an invalid port.',
  length: 'The "address" is too short.',
  format: 'The "address" format is invalid.',
  range: 'The "address" range is overlapping.',
  cidr: 'The "address" has an invalid CIDR prefix.',
};

function* sources(config: Parameters<Check>[0]): Generator<At<Patterns>> {
  for (const { value: listener, path } of listeners(config)) {
    if (listener.forwarded) {
      yield { value: listener.forwarded.source, path: childPointer(childPointer(path, 'forwarded'), 'source') };
    }
    if (listener.client_ip) {
      yield { value: listener.client_ip.source, path: childPointer(childPointer(path, 'client_ip'), 'source') };
    }
  }
  for (const { value: match, path } of matches(config)) {
    if (match.source !== undefined) yield { value: match.source, path: childPointer(path, 'source') };
    if (match.destination !== undefined) yield { value: match.destination, path: childPointer(path, 'destination') };
  }
}

export const checkAddressPatterns: Check = (config) => {
  for (const { value, path } of sources(config)) {
    for (const { value: text, path: at } of strings(value, path)) {
      const parsed = parseAddressPattern(text);
      if (!parsed.ok) return problem(MESSAGES[parsed.error], at);
    }
  }
  return null;
};
