// What main keeps of discovery between starts (discovery-cache.ts): the
// plugins' probes and the module list a restart assumes; a file of another
// build, node or plugin directory set, of the old format, or broken, gives
// no list to assume and loses nothing else.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { DiscoveryCacheFile, discoveryFileContent, discoveryKey } from '../src/process-types/main/discovery-cache.js';
import type { ModuleInfo } from '../src/protocol/discovery.js';
import { tempDir } from './helpers/tmp.js';

const node: ModuleInfo = { type: 'node', version: '20.1.0', file: '/x/node/index.js', members: {}, required: ['script'] };
const probe = { 'python-probe /usr/bin/python3 1 2': { version: '3.11.2' } };

test('what a start wrote, the next start with the same key reads back: the probes and the modules', (t) => {
  const dir = tempDir(t);
  new DiscoveryCacheFile(dir, discoveryKey(undefined)).write([node], probe);
  t.deepEqual(new DiscoveryCacheFile(dir, discoveryKey(undefined)).read(), { cache: probe, modules: [node] });
});

test('another key (a --modulesdir, another build or node) keeps the probes but assumes no modules', (t) => {
  const dir = tempDir(t);
  new DiscoveryCacheFile(dir, discoveryKey(undefined)).write([node], probe);
  t.deepEqual(new DiscoveryCacheFile(dir, discoveryKey('/opt/plugins')).read(), { cache: probe });
});

test("the old format (the probes alone) is read as probes; a broken file as nothing; the build's list stands in for a missing one", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'discovery-cache.json');
  fs.writeFileSync(file, JSON.stringify(probe));
  const kept = new DiscoveryCacheFile(dir, discoveryKey(undefined));
  t.deepEqual(kept.read(), { cache: probe });
  fs.writeFileSync(file, '{"format": 2, "key": ');
  t.deepEqual(kept.read(), { cache: {} });
  const prebuilt = path.join(dir, 'modules.json');
  fs.writeFileSync(prebuilt, JSON.stringify(discoveryFileContent(discoveryKey(undefined), [node])));
  t.deepEqual(kept.read(prebuilt), { cache: {}, modules: [node] });
  // The build's list for another node is not assumed.
  fs.writeFileSync(prebuilt, JSON.stringify(discoveryFileContent('["0.0.0"]', [node])));
  t.deepEqual(kept.read(prebuilt), { cache: {} });
  // An empty list is no list.
  fs.writeFileSync(file, JSON.stringify(discoveryFileContent(discoveryKey(undefined), [])));
  t.deepEqual(kept.read(), { cache: {} });
});

test('an unchanged list is not written again; a changed one is, atomically', (t) => {
  const dir = tempDir(t);
  const kept = new DiscoveryCacheFile(dir, discoveryKey(undefined));
  kept.write([node], probe);
  const before = fs.statSync(kept.file).ino;
  kept.write([node], probe);
  t.is(fs.statSync(kept.file).ino, before);
  kept.write([{ ...node, version: '20.2.0' }], probe);
  t.not(fs.statSync(kept.file).ino, before);
  t.deepEqual(fs.readdirSync(dir), ['discovery-cache.json']);
});
