#!/usr/bin/env node
// npm run lint's check of native/ with clang-format (native/.clang-format).
// Where clang-format is not installed it says so and checks nothing; CI
// installs Debian's (.ci/run), so the check always runs there.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'native');
const files = fs
  .readdirSync(dir)
  .filter((f) => /\.(cc|h)$/.test(f))
  .map((f) => path.join(dir, f));
const r = spawnSync('clang-format', ['--dry-run', '--Werror', ...files], { encoding: 'utf8' });
if (r.error && r.error.code === 'ENOENT') {
  process.stdout.write('clang-format is not installed: native/ formatting not checked (apt-get install clang-format)\n');
  process.exit(0);
}
if (r.status !== 0) {
  process.stderr.write(`${r.stderr}native/ is not formatted: clang-format -i native/*.cc native/*.h\n`);
  process.exit(1);
}
process.stdout.write(`native/: ${files.length} files formatted as native/.clang-format says\n`);
