#!/usr/bin/env node
// Build step (after tsc): compiles the configuration schema for the built-in
// application plugins as they are found on this machine (the Node and Python
// versions are part of it) and keeps it as code in dist/schema-cache/, so a
// server started from this build does not run ajv's compiler at all
// (src/config/schema-code-cache.ts); beside it the modules it found, which a
// first start with this node assumes while its discovery confirms them
// (src/process-types/main/discovery-cache.ts). Another set of plugins
// (--modulesdir, another Python) is compiled at its first start and kept in
// the state dir.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { builtinPluginsDir } = require('../dist/src/paths.js');
const { findPlugins } = require('../dist/src/process-types/discovery/find-plugins.js');
const { makeCodeCache, PREBUILT_SCHEMA_CODE_DIR, setSchemaCodeDir } = require('../dist/src/config/schema-code-cache.js');
const { validatorFor } = require('../dist/src/config/schema.js');
const { discoveryFileContent, discoveryKey, PREBUILT_MODULES_FILE } = require('../dist/src/process-types/main/discovery-cache.js');

// Only what this build makes: an older build's copies go.
fs.rmSync(PREBUILT_SCHEMA_CODE_DIR, { recursive: true, force: true });
setSchemaCodeDir(PREBUILT_SCHEMA_CODE_DIR);
// What discovery would find: it runs as weftd's default user, who may not
// see what root sees (an interpreter under /root, say), so a root build asks
// as that user.
function discover() {
  if (process.getuid() !== 0) return findPlugins([builtinPluginsDir]);
  const { lookupUser } = require('../dist/src/native/index.js');
  const { DEFAULTS } = require('../dist/src/process-types/main/options.js');
  const user = lookupUser(DEFAULTS.user);
  if (!user) return findPlugins([builtinPluginsDir]);
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(require.resolve('../dist/src/process-types/discovery/find-plugins.js'))}).findPlugins([${JSON.stringify(builtinPluginsDir)}])))`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: user.uid, gid: user.gid, cwd: '/', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prebuild-schema: discovery as ${DEFAULTS.user} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The kept code only saves start-up time: a build where it cannot be made
// (say the checkout is not readable by weftd's user) still works, and each
// server compiles the schema at its first start instead.
try {
  const { modules, failures } = discover();
  for (const f of failures) process.stderr.write(`prebuild-schema: plugin "${f.file}" not loaded: ${f.reason}\n`);
  validatorFor(modules);
  // Its V8 code cache, made once the examples' configurations ran through it (src/code-cache.ts).
  const examples = path.join(__dirname, '..', 'examples');
  const configs = fs.readdirSync(examples).filter((n) => n.endsWith('.json'));
  for (const name of fs.readdirSync(PREBUILT_SCHEMA_CODE_DIR).filter((n) => /^schema-[0-9a-f]+\.js$/.test(n))) {
    makeCodeCache(path.join(PREBUILT_SCHEMA_CODE_DIR, name), (validate) => {
      for (const c of configs) validate(JSON.parse(fs.readFileSync(path.join(examples, c), 'utf8')));
    });
  }
  process.stdout.write(
    `prebuild-schema: ${modules.map((m) => `${m.type} ${m.version}`).join(', ')} -> ${fs.readdirSync(PREBUILT_SCHEMA_CODE_DIR).join(', ')}\n`,
  );
  fs.writeFileSync(PREBUILT_MODULES_FILE, JSON.stringify(discoveryFileContent(discoveryKey(undefined), modules)));
} catch (e) {
  process.stderr.write(`prebuild-schema: no schema code kept (servers will compile it at start): ${e instanceof Error ? e.message : e}\n`);
}
