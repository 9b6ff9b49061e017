// examples/python.json works as the README shows it: a Flask app (WSGI) and a
// Starlette app (ASGI, with lifespan state and a WebSocket), from Debian's
// python3-flask and python3-starlette (.ci/run installs them; without them
// the test is skipped and says why).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import WebSocket from 'ws';

import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { when } from './helpers/features.js';
import { PYTHON } from './helpers/python-app.js';
import { startWithConfig } from './helpers/router.js';

const examples = path.resolve(__dirname, '..', '..', 'examples');
const frameworks = spawnSync(PYTHON, ['-c', 'import flask, starlette'], { encoding: 'utf8' });
const withFrameworks = when(test, {
  ok: frameworks.status === 0,
  reason: `flask and starlette are not importable by ${PYTHON} (apt-get install python3-flask python3-starlette): ${frameworks.stderr.trim().split('\n').pop()}`,
});

withFrameworks('examples/python.json: Flask and Starlette apps as the README shows them', async (t) => {
  const config = JSON.parse(fs.readFileSync(path.join(examples, 'python.json'), 'utf8')) as { listeners: Record<string, unknown> };
  t.deepEqual(Object.keys(config.listeners), ['127.0.0.1:8080', '127.0.0.1:8081']);
  const flask = await freePort();
  const starlette = await freePort();
  config.listeners = {
    [`127.0.0.1:${flask}`]: config.listeners['127.0.0.1:8080'],
    [`127.0.0.1:${starlette}`]: config.listeners['127.0.0.1:8081'],
  };
  t.is(process.cwd(), path.dirname(examples));
  await startWithConfig(t, config);

  t.regex((await request({ port: flask }, '/')).text, /^Hello from Flask in process \d+\n$/);
  t.deepEqual(JSON.parse((await request({ port: flask }, '/hello/weft')).text), {
    greeting: 'Hello, weft!',
    script_root: '',
    path: '/hello/weft',
  });
  t.deepEqual(JSON.parse((await request({ port: flask }, '/upload', { method: 'POST', body: Buffer.alloc(1 << 20) })).text), {
    bytes: 1 << 20,
  });

  t.is((await request({ port: starlette }, '/')).text, 'Hello from Starlette\n');
  t.deepEqual(JSON.parse((await request({ port: starlette }, '/items/42?x=1')).text), { id: '42', query: { x: '1' } });
  t.is((await request({ port: starlette }, '/numbers')).text, '0\n1\n2\n3\n4\n');
  const ws = new WebSocket(`ws://127.0.0.1:${starlette}/ws`);
  t.teardown(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const answer = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  ws.send('hi');
  t.is(await answer, 'echo: hi');
});
