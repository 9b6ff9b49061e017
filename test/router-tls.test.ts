// The certificate store and TLS listeners, with certificates made here by
// openssl: upload, inspect, SNI, refusals, deletion rules.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { census, tcpConnections } from './helpers/census.js';
import { freePort } from './helpers/ports.js';
import { waitFor } from './helpers/processes.js';
import { applyConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

/** `cn` "": an empty subject; `alt` []: no subjectAltName extension. */
function makeBundle(dir: string, name: string, cn: string, alt: string[]): string {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      cn === '' ? '/' : `/CN=${cn}/O=Weft Test`,
      ...(alt.length > 0 ? ['-addext', `subjectAltName=${alt.map((a) => `DNS:${a}`).join(',')}`] : []),
      '-keyout',
      key,
      '-out',
      crt,
    ],
    { stdio: 'ignore' },
  );
  return fs.readFileSync(crt, 'utf8') + fs.readFileSync(key, 'utf8');
}

const put = (w: Weftd, p: string, body: string) => controlRequest({ socketPath: w.controlPath }, 'PUT', p, body);
const get = (w: Weftd, p: string) => controlRequest({ socketPath: w.controlPath }, 'GET', p);
const del = (w: Weftd, p: string) => controlRequest({ socketPath: w.controlPath }, 'DELETE', p);

function fetchTls(port: number, servername: string, p = '/'): Promise<{ status: number; cn: string; alt: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: p, servername, rejectUnauthorized: false, agent: false, headers: { Host: servername } },
      (res) => {
        const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, cn: String(cert.subject.CN), alt: String(cert.subjectaltname), body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('certificates: upload, inspect, use with SNI, refuse deletion in use, delete', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  const one = makeBundle(dir, 'one', 'one.test', ['one.test', 'www.one.test']);
  const two = makeBundle(dir, 'two', 'two.test', ['*.two.test']);
  t.deepEqual((await put(w, '/certificates/one', one)).body, { success: 'Certificate chain uploaded.' });
  t.is((await put(w, '/certificates/two', two)).status, 200);

  const info = (await get(w, '/certificates/one')).body as {
    key: string;
    chain: Array<{ subject: { common_name: string; alt_names: string[] } }>;
  };
  t.is(info.key, 'RSA (2048 bits)');
  t.is(info.chain[0].subject.common_name, 'one.test');
  t.deepEqual(info.chain[0].subject.alt_names, ['one.test', 'www.one.test']);
  t.is((await get(w, '/certificates/one/chain/0/subject/common_name')).body, 'one.test');
  t.deepEqual(Object.keys((await get(w, '/')).body as { certificates: object }).includes('certificates'), true);

  const bad = await put(w, '/certificates/bad', 'not a pem');
  t.is(bad.status, 400);
  t.deepEqual(bad.body, { error: 'Invalid certificate.', detail: 'the bundle holds no certificate' });
  t.deepEqual((await put(w, '/certificates/.hidden', one)).body, { error: 'Invalid certificate name.' });

  // A listener naming a certificate that is not stored is invalid.
  const port = await freePort();
  const missing = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: 'nope' } } },
      routes: [],
    }),
  );
  t.is(missing.status, 400);

  await applyConfig(w, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: ['one', 'two'] } } },
    routes: [{ action: { return: 200, response_headers: { 'X-Host': '$host' } } }],
  });
  t.is((await fetchTls(port, 'www.one.test')).cn, 'one.test');
  t.is((await fetchTls(port, 'api.two.test')).cn, 'two.test', 'wildcard SNI match');
  t.is((await fetchTls(port, 'unknown.test')).cn, 'one.test', 'no match: the first certificate');
  t.is((await fetchTls(port, 'one.test')).status, 200);

  t.deepEqual((await del(w, '/certificates/one')).body, { error: 'Certificate is used in the configuration.' });
  // Replacing a bundle in use applies at once: new handshakes get it.
  const renewed = makeBundle(dir, 'one-renewed', 'one.test', ['one.test', 'renewed.one.test']);
  t.deepEqual((await put(w, '/certificates/one', renewed)).body, { success: 'Certificate chain updated.' });
  const after = (await get(w, '/certificates/one')).body as { chain: Array<{ subject: { alt_names: string[] } }> };
  t.deepEqual(after.chain[0].subject.alt_names, ['one.test', 'renewed.one.test']);
  t.is((await fetchTls(port, 'one.test')).alt, 'DNS:one.test, DNS:renewed.one.test', 'the listener serves the renewed bundle');

  await applyConfig(w, { listeners: {}, routes: [] });
  t.deepEqual((await del(w, '/certificates/one')).body, { success: 'Certificate deleted.' });
  t.deepEqual((await get(w, '/certificates/one')).body, { error: "Certificate doesn't exist." });
  t.false(fs.existsSync(path.join(w.stateDir, 'certs', 'one')));
  t.true(fs.existsSync(path.join(w.stateDir, 'certs', 'two')));
});

test('certificates persist in the state dir across restarts', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  await put(w, '/certificates/site', makeBundle(dir, 'site', 'site.test', ['site.test']));
  t.is(fs.statSync(path.join(w.stateDir, 'certs', 'site')).mode & 0o777, 0o600);
  await w.stop();
  const again = await startWeftd(t, { dir: w.dir });
  const info = (await get(again, '/certificates/site')).body as { chain: Array<{ subject: { common_name: string } }> };
  t.is(info.chain[0].subject.common_name, 'site.test');
});

test('conf_commands Node cannot honour are refused at validation', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  await put(w, '/certificates/c', makeBundle(dir, 'c', 'c.test', ['c.test']));
  const port = await freePort();
  const r = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: 'c', conf_commands: { Options: 'ServerPreference' } } } },
      routes: [],
    }),
  );
  t.is(r.status, 400);
  t.regex((r.body as { detail: string }).detail, /not supported by Weft/);
  const ok = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: 'c', conf_commands: { MinProtocol: 'TLSv1.3' } } } },
      routes: [{ action: { return: 200 } }],
    }),
  );
  t.is(ok.status, 200, ok.text);
  const tls12 = await new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, () => resolve('connected'));
    s.on('error', (e) => resolve(e.message));
  });
  t.not(tls12, 'connected', 'TLS 1.2 is refused when MinProtocol is TLSv1.3');
});

test('SNI as Unit: subjectAltNames take precedence over the CN, a wildcard covers one label, an exact name beats a wildcard', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  await put(w, '/certificates/default', makeBundle(dir, 'default', 'default.test', []));
  await put(w, '/certificates/wild', makeBundle(dir, 'wild', 'wild.test', ['*.example.com']));
  await put(w, '/certificates/alt', makeBundle(dir, 'alt', 'example.com', ['ALT1.EXAMPLE.COM', '*.ALT2.EXAMPLE.COM']));
  const port = await freePort();
  await applyConfig(w, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: ['default', 'wild', 'alt'] } } },
    routes: [{ action: { return: 200 } }],
  });
  const cn = async (name: string): Promise<string> => (await fetchTls(port, name)).cn;
  t.is(await cn('EXAMPLE.COM'), 'default.test', 'the CN is not used when the certificate has SANs');
  t.is(await cn('example.com'), 'default.test', '"*.example.com" does not cover "example.com"');
  t.is(await cn('alt1.example.com'), 'example.com', 'an exact SAN beats the wildcard of an earlier bundle');
  t.is(await cn('x.ALT2.example.com'), 'example.com');
  t.is(await cn('alt2.example.com'), 'wild.test', 'covered by "*.example.com", not by "*.alt2.example.com"');
  t.is(await cn('www.example.com'), 'wild.test');
  t.is(await cn('default.test'), 'default.test', 'a CN counts when there are no SANs');
});

test('a certificate with an empty subject and only a SAN is stored, shown and served', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  const r = await put(w, '/certificates/san', makeBundle(dir, 'san', '', ['san.only.test']));
  t.is(r.status, 200, r.text);
  const info = (await get(w, '/certificates/san')).body as { chain: Array<{ subject: object; issuer: object }> };
  t.deepEqual(info.chain[0].subject, { alt_names: ['san.only.test'] });
  t.deepEqual(info.chain[0].issuer, {});
  await put(w, '/certificates/other', makeBundle(dir, 'other', 'other.test', ['other.test']));
  const port = await freePort();
  await applyConfig(w, {
    listeners: { [`127.0.0.1:${port}`]: { pass: 'routes', tls: { certificate: ['other', 'san'] } } },
    routes: [{ action: { return: 200 } }],
  });
  t.is((await fetchTls(port, 'san.only.test')).cn, 'undefined', 'the SAN-only certificate (no CN) answers its name');
  t.is((await fetchTls(port, 'other.test')).cn, 'other.test');
});

test('session tickets: "tickets": [] is tickets off, as false; true issues them', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  await put(w, '/certificates/c', makeBundle(dir, 'c', 'c.test', ['c.test']));
  const off = await freePort();
  const on = await freePort();
  const r = await controlRequest(
    { socketPath: w.controlPath },
    'PUT',
    '/config',
    JSON.stringify({
      listeners: {
        [`127.0.0.1:${off}`]: { pass: 'routes', tls: { certificate: 'c', session: { tickets: [] } } },
        [`127.0.0.1:${on}`]: { pass: 'routes', tls: { certificate: 'c', session: { tickets: true } } },
      },
      routes: [{ action: { return: 200 } }],
    }),
  );
  t.is(r.status, 200, r.text);
  // TLS 1.2: a ticket, when issued, arrives with the handshake.
  const ticket = (port: number): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', rejectUnauthorized: false, servername: 'c.test' }, () => {
        resolve(s.getTLSTicket() !== undefined);
        s.destroy();
      });
      s.on('error', reject);
    });
  t.false(await ticket(off));
  t.true(await ticket(on));
});

test('a removed TLS listener: a connection still in its handshake is closed, a handshaken idle one answers 408', async (t) => {
  const dir = tempDir(t);
  const w = await startWeftd(t);
  t.is((await put(w, '/certificates/one', makeBundle(dir, 'one', 'one.test', ['one.test']))).status, 200);
  const removed = await freePort();
  const kept = await freePort();
  await applyConfig(w, {
    listeners: { [`127.0.0.1:${removed}`]: { pass: 'routes', tls: { certificate: 'one' } }, [`127.0.0.1:${kept}`]: { pass: 'routes' } },
    routes: [{ action: { return: 204 } }],
  });
  // A handshaken keep-alive connection, idle after one request.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const ask = (): Promise<{ status: number; connection: string | undefined }> =>
    new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: removed, servername: 'one.test', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.end();
    });
  t.is((await ask()).status, 204);
  // A client that connects and never starts its handshake, once a router holds it.
  // (Router workers, one per CPU by default for a TLS listener, share it: either may hold either.)
  const routers = census(w.pid).filter((m) => m.kind === 'router');
  t.true(routers.length >= 1);
  const silent = net.connect(removed, '127.0.0.1');
  silent.on('error', () => undefined);
  const silentClosed = new Promise<void>((r) => silent.on('close', () => r()));
  const held = (): number => routers.reduce((n, r) => n + tcpConnections(r.pid, removed), 0);
  await waitFor(() => held() >= 2, 10000, 'the routers hold both connections');

  await applyConfig(w, { [`127.0.0.1:${kept}`]: { pass: 'routes' } }, '/config/listeners');
  await silentClosed;
  t.pass('the connection in its handshake was closed');
  t.deepEqual(await ask(), { status: 408, connection: 'close' });
});
