// bin/weft against a real weftd.
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { capture } from './helpers/capture.js';
import { tempDir } from './helpers/tmp.js';
import { pathWithThisNode, startWeftd } from './helpers/weftd.js';

const WEFT = path.resolve(__dirname, '..', '..', 'bin', 'weft');

function weft(control: string, ...args: string[]) {
  return capture({ file: process.execPath, args: ['node', WEFT, ...args], env: { ...process.env, WEFT_CONTROL: `unix:${control}` } });
}

test("config set, get and delete; status; errors exit 1 with the server's detail", async (t) => {
  const w = await startWeftd(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'routes.json');
  fs.writeFileSync(file, JSON.stringify({ main: [{ action: { return: 204 } }] }));
  const set = await weft(w.controlPath, 'config', 'set', 'routes', `@${file}`);
  t.is(set.status.code, 0, set.stderr);
  t.deepEqual(JSON.parse(set.stdout), { success: 'Reconfiguration done.' });
  const got = await weft(w.controlPath, 'config', 'get', '/config/routes/main/0/action');
  t.deepEqual(JSON.parse(got.stdout), { return: 204 });
  const bad = await weft(w.controlPath, 'config', 'set', 'routes/main/0/action/return', '"x"');
  t.is(bad.status.code, 1);
  t.is(bad.stderr, 'weft: 400 Invalid configuration.: The "return" value must be an integer number, but not a string.\n');
  const del = await weft(w.controlPath, 'config', 'delete', 'routes');
  t.is(del.status.code, 0);
  const missing = await weft(w.controlPath, 'config', 'get', 'routes');
  t.is(missing.status.code, 1);
  t.is(missing.stderr, "weft: 404 Value doesn't exist.\n");
  const status = await weft(w.controlPath, 'status', 'connections');
  t.deepEqual(Object.keys(JSON.parse(status.stdout)), ['accepted', 'active', 'idle', 'closed']);
  const restart = await weft(w.controlPath, 'restart', 'nope');
  t.is(restart.status.code, 1);
});

test('--if-match protects against lost updates', async (t) => {
  const w = await startWeftd(t);
  const got = await weft(w.controlPath, 'config', 'get', '--etag');
  const etag = /ETag: (".*")/.exec(got.stderr)![1];
  t.is((await weft(w.controlPath, 'config', 'set', 'routes', '{"a": []}', '--if-match', etag)).status.code, 0);
  const stale = await weft(w.controlPath, 'config', 'set', 'routes', '{"b": []}', '--if-match', etag);
  t.is(stale.status.code, 1);
  t.regex(stale.stderr, /^weft: 412 Precondition failed\./);
});

test('a value that is not JSON, and an absent server, are clear errors', async (t) => {
  const r = await weft('/nonexistent/control.sock', 'config', 'set', 'routes', 'routes');
  t.is(r.status.code, 2);
  t.regex(r.stderr, /the value is not JSON/);
  const down = await weft('/nonexistent/control.sock', 'status');
  t.is(down.status.code, 1);
  t.is(down.stderr, 'weft: no control socket at /nonexistent/control.sock (is weftd running? set --control or WEFT_CONTROL)\n');
});

test('bin/weft run as a program starts Node without NODE_EXTRA_CA_CERTS (its shell lines), the same CLI as `node bin/weft`', async (t) => {
  // A file that cannot be read: Node warns at start when it is given it.
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: '/nonexistent/extra-cas.pem',
    PATH: pathWithThisNode(),
  };
  const viaNode = await capture({ file: process.execPath, args: ['node', WEFT, '--help'], env });
  t.regex(viaNode.stderr, /Ignoring extra certs/, 'Node read the variable');
  const asProgram = await capture({ file: WEFT, args: [WEFT, '--help'], env });
  t.is(asProgram.status.code, 0, asProgram.stderr);
  t.is(asProgram.stderr, '', 'Node never saw the variable');
  t.is(asProgram.stdout, viaNode.stdout);
  t.regex(asProgram.stdout, /^usage: weft /);
});
