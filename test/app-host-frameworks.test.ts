// Real apps on the frameworks users run, unmodified, served both ways Weft
// reaches them: accepting on a listening socket (direct) and on connected
// sockets handed over by the router (routed).
import test from 'ava';
import type { ExecutionContext } from 'ava';

import { json, serve, startApp } from './fixtures/app-host/harness.js';
import type { Mode } from './fixtures/app-host/harness.js';

const MODES: Mode[] = ['direct', 'routed'];

for (const mode of MODES) {
  test(`plain http (${mode}): status, headers, a request body, server.address()`, async (t) => {
    const running = await startApp(t, 'plain-http.js', { env: { PORT: '8181' } });
    await running.output(/after-return/);
    t.regex(running.stdout, /listening right after listen\(\): true\n/, 'server.listening as soon as listen() returns');
    t.regex(
      running.stdout,
      /listening {"address":"::","family":"IPv6","port":8181} after-return=true\n/,
      'the callback came later, with an address',
    );
    const client = await serve(t, running, mode);

    const info = json(await client.request('/info'));
    t.deepEqual(info.address, { address: '::', family: 'IPv6', port: 8181 });
    t.true(info.listening);

    const echo = await client.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-custom': 'yes' },
      body: 'hello body',
    });
    t.is(echo.status, 200);
    t.is(echo.headers['content-type'], 'application/json');
    const seen = json(echo);
    t.is(seen.method, 'POST');
    t.is(seen.body, 'hello body');
    t.is((seen.headers as Record<string, string>)['x-custom'], 'yes');

    const missing = await client.request('/nowhere');
    t.is(missing.status, 404);
    t.is(missing.text, 'not found');
  });

  test(`Express 5 (${mode}): routes, JSON bodies, redirects, error handling`, async (t) => {
    const running = await startApp(t, 'express-app.js');
    t.regex((await running.output(/express listening on .*/))[0], /express listening on :::3000/);
    const client = await serve(t, running, mode);

    const hello = await client.request('/hello/weft?lang=en');
    t.is(hello.status, 200);
    t.is(hello.headers['x-powered-by'], 'Express');
    t.like(json(hello), { hello: 'weft', query: { lang: 'en' }, protocol: 'http' });

    const created = await client.request('/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"thing"}',
    });
    t.is(created.status, 201);
    t.is(created.headers.location, '/items/1');
    t.deepEqual(json(created), { created: { name: 'thing' } });

    const redirect = await client.request('/redirect');
    t.is(redirect.status, 302);
    t.is(redirect.headers.location, '/hello/redirected');

    const boom = await client.request('/boom');
    t.is(boom.status, 500);
    t.regex(boom.text, /Error: handler failed/, 'outside production, Express shows the stack');
  });

  test(`Fastify 5 (${mode}): listen({ port }) on "localhost", JSON, streams`, async (t) => {
    const running = await startApp(t, 'fastify-app.js');
    t.regex((await running.output(/fastify listening at .*/))[0], /fastify listening at http:\/\/127\.0\.0\.1:3000/);
    const client = await serve(t, running, mode);

    const hello = await client.request('/hello');
    t.is(hello.status, 200);
    t.is(hello.headers['content-type'], 'application/json; charset=utf-8');
    t.deepEqual(json(hello), { hello: 'fastify' });

    const echo = await client.request('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    t.is(echo.status, 201);
    t.is(echo.headers['x-echo'], 'yes');
    t.deepEqual(json(echo), { body: { a: [1, 2] }, contentType: 'application/json' });

    const stream = await client.request('/stream');
    t.is(stream.text, 'abc');
    t.deepEqual(running.logs('warn'), [], 'no warning: any second listen() of Fastify is for the same port');

    t.deepEqual(json(await client.request('/shutdown')), { closing: true });
    await running.output(/fastify closed/);
    t.true(
      running.logs('notice').some((l) => /the app closed its server/.test(l.message)),
      'fastify.close() closed the captured server',
    );
  });

  test(`Koa 3 (${mode}): middleware, headers, errors`, async (t) => {
    const running = await startApp(t, 'koa-app.js');
    await running.output(/koa listening on port 3000/);
    const client = await serve(t, running, mode);

    const answer = await client.request('/some/path', { method: 'PUT' });
    t.is(answer.status, 200);
    t.regex(String(answer.headers['x-response-time']), /^\d+ms$/);
    t.deepEqual(json(answer), { hello: 'koa', path: '/some/path', method: 'PUT' });

    const teapot = await client.request('/teapot');
    t.is(teapot.status, 418);
    t.is(teapot.text, 'short and stout');
  });
}

async function twice(t: ExecutionContext, script: string): Promise<void> {
  // The same app reached both ways at once: one process, both kinds of connections.
  const running = await startApp(t, script);
  const direct = await serve(t, running, 'direct');
  const routed = await serve(t, running, 'routed');
  const [a, b] = await Promise.all([direct.request('/hello/both'), routed.request('/hello/both')]);
  t.is(a.status, 200);
  t.is(b.status, 200);
  t.like(json(a), { hello: 'both', ip: '127.0.0.1' });
  // A routed connection is a socketpair: the client's address is the router's to pass on.
  t.like(json(b), { hello: 'both', ip: null });
}

test('one app process serves direct and routed connections at the same time', twice, 'express-app.js');
