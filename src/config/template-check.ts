// Strings where Unit allows variables ("pass", "share", "rewrite", ...):
// which of them are templates, and Unit's message for a bad one
// (nxt_conf_vldt_var: `<error> in the "<member>" value.`).
import { parseTemplate, TemplateError } from './variables.js';

/** nxt_is_tstr: a "$" or a "`" makes a string a template. */
export function isTemplate(text: string): boolean {
  return text.includes('$') || text.includes('`');
}

export function templateError(text: string, member: string): string | null {
  // Unit runs "`...`" strings as njs template literals; Weft has no njs.
  if (text.startsWith('`')) return `Weft does not support njs template literals in the "${member}" value.`;
  if (!text.includes('$')) return null;
  try {
    parseTemplate(text);
    return null;
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return `${e.message.replace(/\.$/, '')} in the "${member}" value.`;
  }
}
