// One error catalogue (src/errors.ts): codes are unique and stable in form,
// those that reach a client map to an HTTP error status, and Weft's own
// code raises WeftErrors with a code, not plain Errors (the files listed
// below are the exceptions, each with why).
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { ERROR_STATUS, ErrorCodes, WeftError } from '../src/errors.js';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/** Files still allowed a plain `new Error(`, and why. */
const NOT_YET: Record<string, string> = {
  'errors.ts': 'the catalogue itself',
  'app-runtime/host/unit-http-websocket.ts': "the error unit-http's WebSocket stub gives users' apps, as Unit's module does",
};

test('every code is unique and reads WEFT_ERR_<NAME>', (t) => {
  const codes = Object.values(ErrorCodes);
  t.is(new Set(codes).size, codes.length);
  for (const [name, code] of Object.entries(ErrorCodes)) t.is(code as string, `WEFT_ERR_${name}`);
});

test('codes that reach a client have an HTTP error status', (t) => {
  const known = new Set<string>(Object.values(ErrorCodes));
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    t.true(known.has(code), code);
    t.true(status! >= 400 && status! <= 599, `${code}: ${status}`);
  }
  t.is(ERROR_STATUS[ErrorCodes.APP_UNAVAILABLE], 503);
  t.is(ERROR_STATUS[ErrorCodes.APP_NO_ANSWER], 502);
  t.is(ERROR_STATUS[ErrorCodes.UPSTREAM_TIMEOUT], 504);
  const e = new WeftError(ErrorCodes.APP_UNAVAILABLE, 'it cannot start');
  t.true(e instanceof Error);
  t.is(e.code, 'WEFT_ERR_APP_UNAVAILABLE');
});

test("Weft's code raises coded errors, not plain ones", (t) => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    const rel = path.relative(SRC, file);
    if (rel in NOT_YET) continue;
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\bnew Error\(/.test(line) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`src/${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  t.deepEqual(offenders, [], 'use new WeftError(ErrorCodes.X, ...) (src/errors.ts)');
});
import { sources } from './helpers/sources.js';
