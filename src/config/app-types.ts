// Application types come from application plugins: each contributes the
// JSON Schema of its own members, and an application's "type" picks one.
// "type" is read as Unit reads it (nxt_app_lang_module): the module name up
// to the first space or digit, then an optional version prefix that must end
// on a version-part boundary ("node 20" and "node20" select 20.11.1, "node 2"
// does not); the highest matching version wins.
import { argumentError } from '../errors.js';

/** A JSON Schema object (draft 2020-12). */
export type JsonSchema = { [keyword: string]: unknown };

export interface AppTypeSchema {
  /** The module name written in "type": "node", "external". */
  type: string;
  /** The plugin's version, e.g. "20.11.1". */
  version: string;
  /** JSON Schema of each type-specific member, by member name. */
  members: Record<string, JsonSchema>;
  /** Members an application of this type must have. */
  required?: string[];
}

export interface ParsedAppType {
  name: string;
  version: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function parseAppType(type: string): ParsedAppType {
  for (let i = 0; i < type.length; i++) {
    if (type[i] === ' ') return { name: type.slice(0, i), version: type.slice(i + 1) };
    if (isDigit(type[i])) return { name: type.slice(0, i), version: type.slice(i) };
  }
  return { name: type, version: '' };
}

/** nxt_strvers_match: does `prefix` select `version`? */
export function versionMatches(version: string, prefix: string): boolean {
  if (prefix.length === 0) return true;
  if (!version.startsWith(prefix)) return false;
  if (version.length === prefix.length) return true;
  return isDigit(prefix[prefix.length - 1]) !== isDigit(version[prefix.length]);
}

/** Orders "20.11.1" after "20.9" (numbers compare as numbers). */
export function compareVersions(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    if (isDigit(x[0]) && isDigit(y[0])) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** Highest version first within a name, names in a stable order. */
export function sortAppTypes(appTypes: readonly AppTypeSchema[]): AppTypeSchema[] {
  return [...appTypes].sort((a, b) => (a.type === b.type ? compareVersions(b.version, a.version) : a.type < b.type ? -1 : 1));
}

/** The plugin an application's "type" selects, or null. */
export function resolveAppType(type: string, appTypes: readonly AppTypeSchema[]): AppTypeSchema | null {
  const { name, version } = parseAppType(type);
  return sortAppTypes(appTypes).find((t) => t.type === name && versionMatches(t.version, version)) ?? null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A regular expression accepting exactly the "type" strings that select this
 * plugin when it is the only one of its name: what JSON Schema can say.
 */
export function appTypePattern(appType: AppTypeSchema): string {
  const { type, version } = appType;
  const prefixes: string[] = [];
  for (let k = 1; k <= version.length; k++) {
    const prefix = version.slice(0, k);
    if (versionMatches(version, prefix)) prefixes.push(prefix);
  }
  const spaced = prefixes.map(escapeRegExp);
  const attached = prefixes.filter((p) => isDigit(p[0])).map(escapeRegExp);
  const alternatives = [` (?:${spaced.join('|')})?`];
  if (attached.length > 0) alternatives.push(`(?:${attached.join('|')})`);
  if (spaced.length === 0) alternatives[0] = ' ';
  return `^${escapeRegExp(type)}(?:${alternatives.join('|')})?$`;
}

/** Rejects a plugin description that could never be selected or compiled. */
export function assertAppType(appType: AppTypeSchema): void {
  if (typeof appType.type !== 'string' || !/^[^\s0-9]+$/.test(appType.type)) {
    throw argumentError(`an application type name must be non-empty, without spaces or digits, not "${appType.type}"`);
  }
  if (typeof appType.version !== 'string') {
    throw argumentError(`the application type "${appType.type}" needs a version string`);
  }
  if (appType.members === null || typeof appType.members !== 'object') {
    throw argumentError(`the application type "${appType.type}" needs a "members" object`);
  }
}

/** `"external 1.0.0", "node 20.11.1"`, for messages. */
export function describeAppTypes(appTypes: readonly AppTypeSchema[]): string {
  return sortAppTypes(appTypes)
    .map((t) => `"${t.version ? `${t.type} ${t.version}` : t.type}"`)
    .join(', ');
}
