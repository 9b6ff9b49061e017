// TLS listeners name certificate bundles that must be stored already.
import { childPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { listeners, strings } from './walk.js';

export const checkCertificates: Check = (config, context) => {
  for (const { value: listener, path } of listeners(config)) {
    if (!listener.tls) continue;
    const at = childPointer(childPointer(path, 'tls'), 'certificate');
    for (const { value: name, path: namePath } of strings(listener.tls.certificate, at)) {
      if (!context.certificates.has(name)) return problem(`Certificate "${name}" is not found.`, namePath);
    }
  }
  return null;
};
