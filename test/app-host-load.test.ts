// Loading users' apps as node runs them (CommonJS, ES modules, unit-http),
// and the errors a bad app gets: what the application process reports.
import path from 'node:path';

import test from 'ava';

import { appsDir, json, serve, startApp } from './fixtures/app-host/harness.js';

const app = (name: string): string => path.join(appsDir, name);

test('a CommonJS app runs as the main module: process.argv and require.main are what node gives it', async (t) => {
  const running = await startApp(t, 'plain-http.js', { args: ['--flag', 'value with spaces'] });
  const client = await serve(t, running, 'direct');
  const info = json(await client.request('/info'));
  t.deepEqual(info.argv, [process.execPath, app('plain-http.js'), '--flag', 'value with spaces']);
  t.true(info.isMain, 'require.main === module');
  t.is(info.mainFilename, app('plain-http.js'));
  t.true(info.instanceOfNode, "req and res are Node's own IncomingMessage and ServerResponse");
});

test('an ES module app with top-level await: import.meta.url and process.argv are right', async (t) => {
  const running = await startApp(t, 'esm-app.mjs', { args: ['one'] });
  await running.output(/esm app listening/);
  const client = await serve(t, running, 'direct');
  const info = json(await client.request('/'));
  t.is(info.greeting, 'hello from an ES module', 'the value awaited at top level before listen()');
  t.is(info.importMetaUrl, `file://${app('esm-app.mjs')}`);
  t.deepEqual(info.argv, [process.execPath, app('esm-app.mjs'), 'one']);
  t.false(info.requireIsDefined, 'no CommonJS require in an ES module');
});

test('a ".js" file in a "type": "module" package, and one whose syntax is a module, load as ES modules', async (t) => {
  const typed = await startApp(t, 'esm-package/server.js');
  const typedClient = await serve(t, typed, 'routed');
  t.is((await typedClient.request('/')).text, `type module: file://${app('esm-package/server.js')}`);

  const detected = await startApp(t, 'typeless-module.js');
  const detectedClient = await serve(t, detected, 'routed');
  t.is((await detectedClient.request('/')).text, `detected module: file://${app('typeless-module.js')}`);
});

test("unit-http: an app written for NGINX Unit gets Node's http itself, with nothing installed", async (t) => {
  const running = await startApp(t, 'unit-http-app.js');
  const client = await serve(t, running, 'direct');
  const info = json(await client.request('/unit'));
  t.true(info.same, "require('unit-http') === require('http')");
  t.is(info.resolved, 'http');
  t.is(info.url, '/unit');
  t.regex(String(info.websocket), /unit-http\/websocket .* not provided by Weft: .*ws package/);
});

test('unit-http: an ES module app can import it', async (t) => {
  const running = await startApp(t, 'unit-http-esm.mjs');
  const client = await serve(t, running, 'routed');
  t.deepEqual(json(await client.request('/')), { same: true, createServer: true });
});

test('when node runs the app itself after the preload (no loadApp), CommonJS and unit-http ES modules work too', async (t) => {
  const env = { WEFT_TEST_NODE_RUNS_MAIN: '1' };
  const cjs = await startApp(t, 'plain-http.js', { env, args: ['x'] });
  const cjsInfo = json(await (await serve(t, cjs, 'direct')).request('/info'));
  t.deepEqual(cjsInfo.argv, [process.execPath, app('plain-http.js'), 'x']);
  t.true(cjsInfo.isMain);

  const esm = await startApp(t, 'unit-http-esm.mjs', { env });
  t.deepEqual(json(await (await serve(t, esm, 'routed')).request('/')), { same: true, createServer: true });
});

test('a missing script: the app does not start, and the message names the path', async (t) => {
  const running = await startApp(t, 'no-such-app.js', { waitReady: false });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('a missing script started');
  t.is(outcome.failure.stage, 'load');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_NOT_FOUND');
  t.is(outcome.failure.message, `cannot load the app: "${app('no-such-app.js')}" does not exist`);
});

test('a syntax error in a CommonJS app: the message gives the file and line', async (t) => {
  const running = await startApp(t, 'syntax-error.js', { waitReady: false });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('a broken app started');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_SYNTAX');
  t.is(outcome.failure.line, 4);
  t.is(
    outcome.failure.message,
    `cannot load the app "${app('syntax-error.js')}": syntax error at ${app('syntax-error.js')}:4: missing ) after argument list`,
  );
});

test('a syntax error in an ES module app: the message gives the file and line', async (t) => {
  const running = await startApp(t, 'syntax-error.mjs', { waitReady: false });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('a broken app started');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_SYNTAX');
  t.is(outcome.failure.file, app('syntax-error.mjs'));
  t.is(outcome.failure.line, 5);
  t.regex(outcome.failure.message, /syntax error at .*syntax-error\.mjs:5: Unexpected token '\)'$/);
});

test('a syntax error in a module an ES module app imports is reported as such', async (t) => {
  const running = await startApp(t, 'imports-broken.mjs', { waitReady: false });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('a broken app started');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_SYNTAX');
  t.regex(outcome.failure.message, /^cannot load the app ".*imports-broken\.mjs": syntax error in a module it imports: Unexpected token/);
});

test('an app that throws while starting: the error and the line that threw', async (t) => {
  const running = await startApp(t, 'throws-at-start.js', { waitReady: false });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('a failing app started');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_START');
  t.is(
    outcome.failure.message,
    `the app "${app('throws-at-start.js')}" threw while starting: Error: cannot connect to the database (at ${app('throws-at-start.js')}:6)`,
  );
});

test('an app that never calls listen(): serverReady rejects after its timeout and says so', async (t) => {
  const started = Date.now();
  const running = await startApp(t, 'never-listens.js', { waitReady: false, readyMs: 700 });
  const outcome = await running.outcome();
  if (outcome.ready) return t.fail('an app that never listens was ready');
  t.true(Date.now() - started >= 700, 'not before the timeout');
  t.is(outcome.failure.stage, 'ready');
  t.is(outcome.failure.code, 'WEFT_ERR_APP_NO_LISTEN');
  t.is(
    outcome.failure.message,
    `did not listen within 0.7 s (the app "${app('never-listens.js')}" never called listen() on an HTTP server)`,
  );
  t.regex(running.stdout, /started, not listening/, 'the app itself did run');
});
