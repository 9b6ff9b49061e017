// Extra MIME types: no empty extension, and no extension claimed by two
// types (nxt_conf_vldt_mtypes_extension). Extensions compare without case.
import { toPointer } from '../pointer.js';
import { problem } from '../problem.js';
import type { Check } from './check.js';
import { strings } from './walk.js';

export const checkMimeTypes: Check = (config) => {
  const types = config.settings?.http?.static?.mime_types ?? {};
  const owner = new Map<string, string>();
  for (const [type, extensions] of Object.entries(types)) {
    const path = toPointer(['settings', 'http', 'static', 'mime_types', type]);
    for (const { value: extension, path: at } of strings(extensions, path)) {
      if (extension.length === 0) return problem(`An empty file extension for the "${type}" MIME type.`, at);
      const key = extension.toLowerCase();
      const previous = owner.get(key);
      if (previous !== undefined) {
        return problem(
          `The "${extension}" file extension has been declared for "${previous}" and "${type}" MIME types at the same time.`,
          at,
        );
      }
      owner.set(key, type);
    }
  }
  return null;
};
