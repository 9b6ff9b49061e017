// The configurations in examples/ work as the README shows them (on a port
// of the test's choosing instead of 8080).
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { startWithConfig } from './helpers/router.js';

const examples = path.resolve(__dirname, '..', '..', 'examples');

test('examples/hello.json: the app answers, /old/* redirects, the pool starts its spare process', async (t) => {
  const config = JSON.parse(fs.readFileSync(path.join(examples, 'hello.json'), 'utf8')) as { listeners: Record<string, unknown> };
  t.deepEqual(Object.keys(config.listeners), ['127.0.0.1:8080']);
  const port = await freePort();
  config.listeners = { [`127.0.0.1:${port}`]: config.listeners['127.0.0.1:8080'] };
  // Relative paths in it are relative to the repository, where weftd starts here (and in the README).
  t.is(process.cwd(), path.dirname(examples));
  const w = await startWithConfig(t, config);
  const hello = await request({ port }, '/some/page');
  t.is(hello.status, 200);
  t.regex(hello.text, /^Hello from process \d+ \(GET \/some\/page\)\n$/);
  t.regex(String(hello.headers.server), /^Weft\/\d+\.\d+\.\d+$/);
  const old = await request({ port }, '/old/page');
  t.is(old.status, 301);
  t.is(old.headers.location, '/');
  const status = (await controlRequest({ socketPath: w.controlPath }, 'GET', '/status/applications/hello/processes')).body as { running: number };
  t.true(status.running >= 1);
});
