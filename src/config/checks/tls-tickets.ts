// Session ticket keys are Base64 of 48 or 80 bytes (nxt_conf_vldt_ticket_key).
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { listeners, strings } from './walk.js';

/** Decoded length, or -1 when the text is not Base64 (nxt_base64_decode). */
export function base64Length(text: string): number {
  const body = text.replace(/={1,2}$/, '');
  const padding = text.length - body.length;
  if (!/^[A-Za-z0-9+/]*$/.test(body)) return -1;
  if (padding > 0 ? text.length % 4 !== 0 : body.length % 4 === 1) return -1;
  return Math.floor((body.length * 3) / 4);
}

export const checkTlsTickets: Check = (config) => {
  for (const { value: listener, path } of listeners(config)) {
    const tickets = listener.tls?.session?.tickets;
    if (tickets === undefined || typeof tickets === 'boolean') continue;
    const at = childPointer(childPointer(childPointer(path, 'tls'), 'session'), 'tickets');
    for (const { value: key, path: keyPath } of strings(tickets, at)) {
      const length = base64Length(key);
      if (length < 0) return problem(`Invalid Base64 format for the ticket key "${key}".`, keyPath);
      if (length !== 48 && length !== 80) {
        return problem(`Invalid length ${length} of the ticket key "${key}".  Must be 48 or 80 bytes.`, keyPath);
      }
    }
  }
  return null;
};
