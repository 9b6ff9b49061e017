// Turns ajv's first error into Unit's message. Three sources, in order:
// 1. "errorMessage" on the schema object whose keyword failed (the schema
//    carries Unit's text where Unit has a specific one, with "{key}",
//    "{parentKey}" and "{value}" filled in);
// 2. the generic messages of Unit's table-driven validator for "type",
//    "required" and unknown members (nxt_conf_vldt_type, _object);
// 3. a fallback in the same style, for schemas contributed by plugins.
import type { ErrorObject } from 'ajv';

import { childPointer, fromPointer } from './pointer.js';
import type { Problem } from './problem.js';

// Unit's type names, in the order of its type bits (NXT_CONF_VLDT_*).
const TYPE_ORDER = ['null', 'boolean', 'integer', 'fraction', 'string', 'array', 'object'] as const;
type UnitType = (typeof TYPE_ORDER)[number];
const TYPE_NAMES: Record<UnitType, string> = {
  null: 'a null',
  boolean: 'a boolean',
  integer: 'an integer number',
  fraction: 'a fractional number',
  string: 'a string',
  array: 'an array',
  object: 'an object',
};

export function unitTypeOf(value: unknown): UnitType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'fraction';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/** "a string", "either a string or an array", "either a null, a boolean, or an object". */
export function expectedTypes(schemaTypes: readonly string[]): string {
  const wanted = new Set<UnitType>();
  for (const t of schemaTypes) {
    if (t === 'number') {
      // JSON Schema's number is Unit's NXT_CONF_VLDT_NUMBER: both kinds.
      wanted.add('integer');
      wanted.add('fraction');
    } else if ((TYPE_ORDER as readonly string[]).includes(t)) {
      wanted.add(t as UnitType);
    }
  }
  const names = TYPE_ORDER.filter((t) => wanted.has(t)).map((t) => TYPE_NAMES[t]);
  if (names.length === 1) return names[0];
  const last = names.pop();
  return `either ${names.join(names.length > 1 ? ', ' : ' ')}${names.length > 1 ? ',' : ''} or ${last}`;
}

// Words for an array's element type: "string", "integer number", "object".
const ELEMENT_NAMES: Record<string, string> = { number: 'number', integer: 'integer number' };

/** `The "arguments" array must contain only string values.` */
export function elementTypeMessage(arrayName: string, schemaTypes: readonly string[]): string {
  const words = schemaTypes.map((t) => ELEMENT_NAMES[t] ?? t).join(' or ');
  return `The "${arrayName}" array must contain only ${words} values.`;
}

export function typeMessage(name: string | null, schemaTypes: readonly string[], value: unknown): string {
  const expected = expectedTypes(schemaTypes);
  const actual = TYPE_NAMES[unitTypeOf(value)];
  if (name === null) return `The configuration must be ${expected}, but not ${actual}.`;
  return `The "${name}" value must be ${expected}, but not ${actual}.`;
}

// Keywords that only wrap the error that explains the failure.
const WRAPPERS = new Set(['if', 'propertyNames']);

// ajv stops at the first failure, but lists a failed "anyOf"'s branch errors
// before the "anyOf" itself, and a wrapper after the error it wraps: the
// last error that is not a wrapper is the one to explain.
function explaining(errors: readonly ErrorObject[]): ErrorObject {
  for (let i = errors.length - 1; i >= 0; i--) {
    if (!WRAPPERS.has(errors[i].keyword)) return errors[i];
  }
  return errors[0];
}

function pathOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const member =
    error.keyword === 'required'
      ? params.missingProperty
      : error.keyword === 'additionalProperties'
        ? params.additionalProperty
        : error.keyword === 'unevaluatedProperties'
          ? params.unevaluatedProperty
          : error.propertyName;
  return typeof member === 'string' ? childPointer(error.instancePath, member) : error.instancePath;
}

// Placeholders name the value whose schema failed (ajv's instancePath),
// e.g. the upstream that lacks "servers", not the missing member.
function fill(template: string, segments: string[], value: unknown): string {
  return template.replace(/\{(key|parentKey|value)\}/g, (_, name: string) => {
    if (name === 'key') return segments[segments.length - 1] ?? '';
    if (name === 'parentKey') return segments[segments.length - 2] ?? '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function parentIsArray(root: unknown, segments: readonly string[]): boolean {
  let value = root;
  for (const s of segments.slice(0, -1)) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<string, unknown>)[s];
  }
  return Array.isArray(value);
}

/** Unit's message for the first of ajv's errors; `root` is the validated document. */
export function describeSchemaErrors(errors: readonly ErrorObject[], root: unknown): Problem {
  const error = explaining(errors);
  const path = pathOf(error);
  const segments = fromPointer(path);
  const params = error.params as Record<string, unknown>;
  const owner = error.parentSchema as { errorMessage?: unknown } | undefined;
  if (owner && typeof owner.errorMessage === 'string') {
    return { detail: fill(owner.errorMessage, fromPointer(error.instancePath), error.data), path };
  }
  const name = segments.length > 0 ? segments[segments.length - 1] : null;
  switch (error.keyword) {
    case 'type': {
      const types = Array.isArray(error.schema) ? (error.schema as string[]) : [String(error.schema)];
      // An element of an array: Unit names the array, not the index.
      if (segments.length >= 2 && parentIsArray(root, segments)) {
        return { detail: elementTypeMessage(segments[segments.length - 2], types), path };
      }
      return { detail: typeMessage(name, types, error.data), path };
    }
    case 'required':
      return { detail: `Required parameter "${String(params.missingProperty)}" is missing.`, path };
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return { detail: `Unknown parameter "${name}".`, path };
    default:
      return { detail: `The "${name ?? 'configuration'}" value is invalid.`, path };
  }
}
