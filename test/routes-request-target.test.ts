// Request targets: Unit's split, decoding and normalisation, a traversal
// corpus, a randomised comparison against a plain reference model, and the
// Host header.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { normalizeHost, parseRequestTarget, TargetErrors } from '../src/request/routing/index.js';

type ErrorKey = keyof typeof TargetErrors;

interface TargetCase {
  target: string;
  path?: string;
  query?: string;
  rawPath?: string;
  error?: ErrorKey;
}

function corpus(name: string): TargetCase[] {
  const file = path.join(__dirname, '..', '..', 'test', 'corpus', 'routes', name);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: TargetCase[] }).cases;
}

const show = (s: string): string => JSON.stringify(s);

for (const c of corpus('request-target.json')) {
  test(`target ${show(c.target)}`, (t) => {
    const result = parseRequestTarget(c.target);
    if (c.error !== undefined) t.deepEqual(result, { ok: false, reason: TargetErrors[c.error] });
    else t.deepEqual(result, { ok: true, path: c.path, query: c.query, rawPath: c.rawPath });
  });
}

/** Where a decoded path lands when appended to a directory, as `share` does. */
function appended(root: string, decoded: string): string {
  return path.posix.normalize(root + decoded);
}

function assertContained(t: import('ava').ExecutionContext, decoded: string): void {
  t.true(decoded.startsWith('/'), `${show(decoded)} begins with "/"`);
  t.false(decoded.includes('\0'), `${show(decoded)} holds no NUL`);
  t.false(decoded.includes('//'), `${show(decoded)} holds no empty segment`);
  for (const segment of decoded.split('/')) t.true(segment !== '.' && segment !== '..', `${show(decoded)}: no dot segment`);
  const landed = appended('/srv/www', decoded);
  t.true(landed === '/srv/www' || landed.startsWith('/srv/www/'), `${show(decoded)} stays in /srv/www (${landed})`);
  // Appending it changes nothing that normalisation would undo.
  t.is(landed, `/srv/www${decoded}`);
}

for (const c of corpus('traversal.json')) {
  test(`traversal ${show(c.target)}`, (t) => {
    const result = parseRequestTarget(c.target);
    if (c.error !== undefined) {
      t.deepEqual(result, { ok: false, reason: TargetErrors[c.error] });
      return;
    }
    if (!result.ok) return t.fail(result.reason);
    t.is(result.path, c.path ?? '');
    t.is(result.query, c.query ?? '');
    assertContained(t, result.path);
  });
}

// The reference model: cut at the first "?" or "#", then read the path left
// to right, decoding each escape once ("%00" and malformed escapes are
// errors) and resolving each segment as it ends, the textbook way: ".."
// above the root is an error. Errors are reported in the order they occur.
// Unit's one-pass state machine must agree with it on every input.
function reference(raw: string): { ok: true; path: string; query: string } | { ok: false; reason: string } {
  const cut = raw.search(/[?#]/);
  const rawPath = cut < 0 ? raw : raw.slice(0, cut);
  let query = '';
  if (cut >= 0 && raw[cut] === '?') {
    const hash = raw.indexOf('#', cut + 1);
    query = raw.slice(cut + 1, hash < 0 ? undefined : hash);
  }
  const out: string[] = [];
  let trailing = false;
  const close = (segment: string, last: boolean): boolean => {
    if (segment === '..') {
      if (out.length === 0) return false;
      out.pop();
    } else if (segment !== '' && segment !== '.') {
      out.push(segment);
      return true;
    }
    trailing = last;
    return true;
  };
  let segment = '';
  for (let i = 1; i < rawPath.length; i++) {
    let c = rawPath[i];
    if (c === '%') {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, reason: TargetErrors.escape };
      if (parseInt(hex, 16) === 0) return { ok: false, reason: TargetErrors.nul };
      c = String.fromCharCode(parseInt(hex, 16));
      i += 2;
    }
    if (c === '/') {
      if (!close(segment, false)) return { ok: false, reason: TargetErrors.aboveRoot };
      segment = '';
    } else {
      segment += c;
    }
  }
  if (!close(segment, true)) return { ok: false, reason: TargetErrors.aboveRoot };
  return { ok: true, path: `/${out.join('/')}${trailing && out.length > 0 ? '/' : ''}`, query };
}

// A small deterministic generator (mulberry32), so a failure reproduces.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '/',
  '/',
  '/',
  '.',
  '.',
  '..',
  'a',
  'bc',
  '%2e',
  '%2E',
  '%2f',
  '%2F',
  '%25',
  '%3f',
  '%23',
  '%5c',
  '\\',
  '%00',
  '%',
  '%4',
  '%zz',
  '?',
  '#',
  '%41',
  ';',
  '%c0%ae',
  '~',
  ' ',
  '%2e%2e',
  '/..',
  '/.',
];

test('5000 random targets: the state machine agrees with the reference model, and every path stays contained', (t) => {
  const next = random(20261127);
  let failures = 0;
  for (let n = 0; n < 5000; n++) {
    let target = '/';
    const count = 1 + Math.floor(next() * 12);
    for (let k = 0; k < count; k++) target += TOKENS[Math.floor(next() * TOKENS.length)];
    const ours = parseRequestTarget(target);
    const theirs = reference(target);
    const same =
      ours.ok && theirs.ok
        ? ours.path === theirs.path && ours.query === theirs.query
        : !ours.ok && !theirs.ok && ours.reason === theirs.reason;
    if (!same) {
      failures++;
      t.log(`${show(target)}: ${JSON.stringify(ours)} vs reference ${JSON.stringify(theirs)}`);
    }
    if (ours.ok) {
      const landed = appended('/srv/www', ours.path);
      if (!(landed === '/srv/www' || landed.startsWith('/srv/www/')) || ours.path.includes('\0')) {
        failures++;
        t.log(`${show(target)} escapes: ${show(ours.path)}`);
      }
    }
  }
  t.is(failures, 0);
});

test('a long complex path is decoded past the first buffer size', (t) => {
  const segment = '%61'.repeat(3000);
  const result = parseRequestTarget(`/${segment}/./${segment}/../b?q`);
  t.deepEqual(result, { ok: true, path: `/${'a'.repeat(3000)}/b`, query: 'q', rawPath: `/${segment}/./${segment}/../b` });
});

const HOSTS: Array<[string, string | null]> = [
  ['localhost', 'localhost'],
  ['LocalHost', 'localhost'],
  ['localhost.', 'localhost'],
  ['localhost:8080', 'localhost'],
  ['localhost.:8080', 'localhost'],
  ['localhost1.', 'localhost1'],
  ['localhost2:8080', 'localhost2'],
  ['.localhost', '.localhost'],
  ['www.localhost', 'www.localhost'],
  ['[::1]', '[::1]'],
  ['[::1]:8080', '[::1]'],
  ['[::1].', '[::1]'],
  ['[::1', '[::1'],
  ['127.0.0.1:8080', '127.0.0.1'],
  ['', ''],
  ['.', ''],
  [':80', ''],
  ['host:', 'host'],
  ['a:b:c', 'a'],
  ['EXAMPLE.COM', 'example.com'],
  ['Example.COM:443', 'example.com'],
  ['exa_mple.com', 'exa_mple.com'],
  ['example.com:80.', 'example.com'],
  ['\u00c4B.example', '\u00c4b.example'],
  ['a..b', null],
  ['..', null],
  ['a.:1..2', null],
  ['a/b', null],
  ['example.com/', null],
];

for (const [value, expected] of HOSTS) {
  test(`Host ${show(value)}`, (t) => {
    t.is(normalizeHost(value), expected);
  });
}
