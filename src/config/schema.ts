// The configuration schema: schema/weft.config.schema.json (published for
// editors) plus the members application plugins contribute, composed into
// one JSON Schema and compiled by ajv once per set of application types.
//
// Draft 2020-12, not draft-07: an application's members are the common ones
// plus those of the type it names, and unknown members must still be
// rejected. "unevaluatedProperties" sees through the if/then chain that
// selects the type's members; draft-07's "additionalProperties" cannot.
import fs from 'node:fs';
import path from 'node:path';

import type { ValidateFunction } from 'ajv';

import { argumentError, ErrorCodes, WeftError } from '../errors.js';
import { appTypePattern, assertAppType, describeAppTypes, sortAppTypes } from './app-types.js';
import type { AppTypeSchema, JsonSchema } from './app-types.js';
import type { Problem } from './problem.js';
import { describeSchemaErrors } from './schema-errors.js';
import { cachedValidator, hasCachedCode } from './schema-code-cache.js';
import type { CodeKey } from './schema-code-cache.js';

const SCHEMA_FILE = path.join('schema', 'weft.config.schema.json');

let baseSchemaText: string | undefined;

// The file sits at the package root; this module runs from src/config or
// dist/src/config, so look upwards rather than assume a depth.
function readBaseSchema(): string {
  if (baseSchemaText !== undefined) return baseSchemaText;
  const tried: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, SCHEMA_FILE);
    tried.push(file);
    if (fs.existsSync(file)) {
      baseSchemaText = fs.readFileSync(file, 'utf8');
      return baseSchemaText;
    }
  }
  throw new WeftError(ErrorCodes.CONFIG_INVALID, `the configuration schema was not found; tried ${tried.join(', ')}`);
}

/** A fresh copy of the published schema (common members only). */
export function baseSchema(): JsonSchema {
  return JSON.parse(readBaseSchema()) as JsonSchema;
}

function unknownTypeMessage(appTypes: readonly AppTypeSchema[]): string {
  const prefix = 'The module to run "{value}" is not found among the available application modules';
  return appTypes.length > 0 ? `${prefix}: ${describeAppTypes(appTypes)}.` : `${prefix}; none is available.`;
}

// if type selects plugin 1 then its members, else if ... else unknown type.
// Highest versions come first, so the first match wins, as in Unit.
function typeChain(appTypes: readonly AppTypeSchema[]): JsonSchema {
  let chain: JsonSchema = {
    properties: {
      type: { type: 'string', allOf: [{ not: {}, errorMessage: unknownTypeMessage(appTypes) }] },
    },
  };
  for (const appType of sortAppTypes(appTypes).reverse()) {
    const members: JsonSchema = { properties: structuredClone(appType.members) };
    if (appType.required && appType.required.length > 0) members.required = [...appType.required];
    chain = {
      if: { required: ['type'], properties: { type: { type: 'string', pattern: appTypePattern(appType) } } },
      then: members,
      else: chain,
    };
  }
  return chain;
}

/** The whole schema for these application types, as a JSON document. */
export function buildSchema(appTypes: readonly AppTypeSchema[]): JsonSchema {
  appTypes.forEach(assertAppType);
  const schema = baseSchema();
  const defs = schema.$defs as Record<string, JsonSchema>;
  defs.application = { ...defs.application, ...typeChain(appTypes), unevaluatedProperties: false };
  return schema;
}

export interface ConfigSchemaValidator {
  /** The composed schema. */
  readonly schema: JsonSchema;
  /** null when the configuration fits the schema, else the first problem. */
  check(config: unknown): Problem | null;
}

// Bumped whenever the options below change: compiled code kept between starts is named by it.
const COMPILER_OPTIONS_TAG = 'ajv2020 strict unionTypes !strictRequired !allErrors verbose errorMessage 1';

function compile(schema: JsonSchema): { validate: ValidateFunction; code: () => string } {
  // ajv's compiler (and its ~100 modules) loads only when no compiled copy is kept.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Ajv2020 = (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).default;
  const standalone = (require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new Ajv2020({
    strict: true,
    // The schema names several types for one member where Unit does
    // ("either a string or an array"), and tests "required" in conditions
    // on members defined next to them rather than inside them.
    allowUnionTypes: true,
    strictRequired: false,
    // Stop at the first error: Unit reports one, and it is cheaper.
    allErrors: false,
    // The failing schema object carries its "errorMessage".
    verbose: true,
    // Keeps the source, so the compiled validator can be kept as code.
    code: { source: true },
  });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  try {
    const validate = ajv.compile(schema);
    return { validate, code: () => standalone(ajv, validate) };
  } catch (e) {
    throw argumentError(`the configuration schema does not compile: ${(e as Error).message}`);
  }
}

function ajvVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ajv/package.json') as { version: string }).version;
}

function codeKey(schema: JsonSchema): CodeKey {
  return { schema, compilerTag: `${ajvVersion()} ${COMPILER_OPTIONS_TAG}` };
}

/** Whether the validator for these types loads as kept code (no compiling). */
export function validatorIsKept(appTypes: readonly AppTypeSchema[]): boolean {
  return hasCachedCode(codeKey(buildSchema(appTypes)));
}

export function buildValidator(appTypes: readonly AppTypeSchema[]): ConfigSchemaValidator {
  const schema = buildSchema(appTypes);
  const validate = cachedValidator(codeKey(schema), () => compile(schema));
  return {
    schema,
    check(config: unknown): Problem | null {
      if (validate(config)) return null;
      return describeSchemaErrors(validate.errors ?? [], config);
    },
  };
}

// Compiling takes milliseconds; validating takes microseconds. Plugins are
// registered once, so the same array (or an equal one) comes back each time.
const byArray = new WeakMap<readonly AppTypeSchema[], ConfigSchemaValidator>();
const bySignature = new Map<string, ConfigSchemaValidator>();
const MAX_CACHED = 8;

export function validatorFor(appTypes: readonly AppTypeSchema[]): ConfigSchemaValidator {
  const cached = byArray.get(appTypes);
  if (cached) return cached;
  const signature = JSON.stringify(sortAppTypes(appTypes));
  let validator = bySignature.get(signature);
  if (!validator) {
    validator = buildValidator(appTypes);
    if (bySignature.size >= MAX_CACHED) bySignature.delete(bySignature.keys().next().value as string);
    bySignature.set(signature, validator);
  }
  byArray.set(appTypes, validator);
  return validator;
}
