// tls.conf_commands are OpenSSL commands; Weft honours those Node's TLS can
// express and refuses the others here, at validation, with the list of
// what works (Beyond Unit: no silently ignored security setting). Ticket
// keys of 80 bytes are valid for Unit but Node's TLS takes 48-byte keys.
import { mapConfCommands } from '../../tls/conf-commands.js';
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { base64Length } from './tls-tickets.js';
import { listeners, strings } from './walk.js';

export const checkTlsConfCommands: Check = (config) => {
  for (const { value: listener, path } of listeners(config)) {
    const tls = listener.tls;
    if (!tls) continue;
    const at = childPointer(path, 'tls');
    const commands = tls.conf_commands as Record<string, string> | undefined;
    if (commands) {
      for (const [name, value] of Object.entries(commands)) {
        const mapped = mapConfCommands({ [name]: value });
        if ('problem' in mapped) return problem(mapped.problem, childPointer(childPointer(at, 'conf_commands'), name));
      }
    }
    const tickets = tls.session?.tickets;
    if (tickets !== undefined && typeof tickets !== 'boolean') {
      const ticketsAt = childPointer(childPointer(at, 'session'), 'tickets');
      for (const { value: key, path: keyPath } of strings(tickets, ticketsAt)) {
        if (base64Length(key) === 80) {
          return problem(`The ticket key "${key}" is 80 bytes; Weft (Node's TLS) supports 48-byte ticket keys only.`, keyPath);
        }
      }
    }
  }
  return null;
};
