// bin/weftd runs the build's bundle (scripts/bundle.js) only when it was
// made from the compiled sources as they are (not older than tsc's build
// info), and never with WEFT_PLUGINS (those modules import the kernel from
// dist/src/ and must share its instances). Exercised on a copy of the
// launcher over a stand-in dist/ whose two entry points say which ran.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { tempDir } from './helpers/tmp.js';
import { WEFTD } from './helpers/weftd.js';

function standIn(dir: string): { run(env?: Record<string, string>): string; age(file: string, seconds: number): void } {
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(WEFTD, path.join(dir, 'bin', 'weftd'));
  for (const [file, says] of [
    ['dist/bundle/weftd.js', 'bundle'],
    ['dist/src/cli/weftd.js', 'src'],
  ]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `process.stdout.write(${JSON.stringify(says)});`);
  }
  return {
    run: (env = {}) =>
      execFileSync(process.execPath, [path.join(dir, 'bin', 'weftd')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env },
      }),
    age: (file, seconds) => {
      const when = new Date(Date.now() - seconds * 1000);
      fs.utimesSync(path.join(dir, file), when, when);
    },
  };
}

test('the bundle runs when nothing was compiled after it; the compiled sources when tsc ran since', (t) => {
  const dir = tempDir(t);
  const w = standIn(dir);
  t.is(w.run(), 'bundle', 'no build info at all (an installed package): the bundle');
  fs.writeFileSync(path.join(dir, 'dist', '.tsbuildinfo'), '{}');
  w.age('dist/.tsbuildinfo', 60);
  t.is(w.run(), 'bundle');
  w.age('dist/bundle/weftd.js', 120);
  t.is(w.run(), 'src', 'a bundle older than the last compile is stale');
  fs.writeFileSync(path.join(dir, 'dist', '.tsbuildinfo-build'), '{}');
  w.age('dist/.tsbuildinfo', 180);
  t.is(w.run(), 'src', "the package build's info counts too");
  w.age('dist/.tsbuildinfo-build', 180);
  t.is(w.run(), 'bundle');
});

test('WEFT_PLUGINS, or no bundle at all, runs the compiled sources', (t) => {
  const dir = tempDir(t);
  const w = standIn(dir);
  t.is(w.run({ WEFT_PLUGINS: '/x.js' }), 'src');
  fs.rmSync(path.join(dir, 'dist', 'bundle'), { recursive: true });
  t.is(w.run(), 'src');
});
