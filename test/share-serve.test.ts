// The share action as a client sees it: statuses, headers and bodies for
// files, MIME types, index files, directory redirects, methods, the
// "types" filter, several shares, fallbacks and conditional requests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import test from 'ava';

import { FALLBACK_STATUS, startShare } from './fixtures/share/harness.js';
import { tempDir } from './helpers/tmp.js';

const ERROR_404 = '<!DOCTYPE html><title>Error 404</title><p>Error 404.\r\n';

function site(t: Parameters<typeof tempDir>[0], files: Record<string, string | Buffer>): string {
  const root = tempDir(t, 'weft-share-');
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (name.endsWith('/')) fs.mkdirSync(file, { recursive: true });
    else fs.writeFileSync(file, content);
  }
  return root;
}

test("a file: 200 with Unit's ETag, Last-Modified, Content-Type and Content-Length", async (t) => {
  const root = site(t, { 'a.html': 'hello' });
  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  fs.utimesSync(path.join(root, 'a.html'), when, when);
  const s = await startShare(t, { share: `${root}$uri` });
  const r = await s.get('/a.html');
  t.is(r.status, 200);
  t.is(r.body.toString(), 'hello');
  t.is(r.headers['content-type'], 'text/html');
  t.is(r.headers['content-length'], '5');
  t.is(r.headers.etag, `"${(when.getTime() / 1000).toString(16)}-5"`);
  t.is(r.headers['last-modified'], 'Tue, 02 Jan 2024 03:04:05 GMT');
  t.is(r.headers['accept-ranges'], undefined);
  t.deepEqual(s.outcomes, ['served']);
});

test("a missing file: 404 with Unit's error page, not logged", async (t) => {
  const root = site(t, {});
  const s = await startShare(t, { share: `${root}$uri` });
  const r = await s.get('/missing.html');
  t.is(r.status, 404);
  t.is(r.body.toString(), ERROR_404);
  t.is(r.headers['content-type'], 'text/html');
  t.is(r.headers['content-length'], String(ERROR_404.length));
  t.deepEqual(s.logs, []);
});

test("MIME types: Unit's table, extensions without case, unknown ones get no Content-Type", async (t) => {
  const root = site(t, {
    'a.css': 'x',
    'b.JS': 'x',
    'c.Json': 'x',
    'd.mjs': 'x',
    'e.xyz': 'x',
    README: 'x',
    'f.tar.gz': 'x',
    '.hidden': 'x',
    'g.': 'x',
    'h.woff2': 'x',
    'i.svg': 'x',
  });
  const s = await startShare(t, { share: `${root}$uri` });
  const type = async (name: string): Promise<string | undefined> => {
    const r = await s.get(`/${name}`);
    t.is(r.status, 200, name);
    return r.headers['content-type'];
  };
  t.is(await type('a.css'), 'text/css');
  t.is(await type('b.JS'), 'application/javascript');
  t.is(await type('c.Json'), 'application/json');
  t.is(await type('d.mjs'), 'application/javascript');
  t.is(await type('e.xyz'), undefined);
  t.is(await type('README'), undefined);
  t.is(await type('f.tar.gz'), 'application/gzip');
  t.is(await type('.hidden'), undefined);
  t.is(await type('g.'), undefined);
  t.is(await type('h.woff2'), 'font/woff2');
  t.is(await type('i.svg'), 'image/svg+xml');
});

test('MIME types: settings.http.static.mime_types add whole names and override built-ins, without case', async (t) => {
  const root = site(t, { README: 'x', 'x.LOG': 'x', 'y.html': 'x', 'z.htm': 'x' });
  const s = await startShare(
    t,
    { share: `${root}$uri` },
    {
      mimeTypes: { 'text/plain': ['README', '.log'], 'application/x-page': '.HTML' },
    },
  );
  t.is((await s.get('/README')).headers['content-type'], 'text/plain');
  t.is((await s.get('/x.LOG')).headers['content-type'], 'text/plain');
  t.is((await s.get('/y.html')).headers['content-type'], 'application/x-page');
  t.is((await s.get('/z.htm')).headers['content-type'], 'text/html');
});

test('index: a share ending in "/" gets the index appended; its type comes from the index name', async (t) => {
  const root = site(t, { 'index.html': 'root index', 'sub/index.html': 'sub index', 'sub/home.txt': 'home', 'empty/': '' });
  const s = await startShare(t, { share: `${root}$uri` });
  const r = await s.get('/');
  t.is(r.status, 200);
  t.is(r.body.toString(), 'root index');
  t.is(r.headers['content-type'], 'text/html');
  t.is((await s.get('/sub/')).body.toString(), 'sub index');
  // A directory with its slash and no index file: 404, as Unit (not 403).
  t.is((await s.get('/empty/')).status, 404);

  const custom = await startShare(t, { share: `${root}$uri`, index: 'home.txt' });
  const c = await custom.get('/sub/');
  t.is(c.body.toString(), 'home');
  t.is(c.headers['content-type'], 'text/plain');
  t.is((await custom.get('/')).status, 404);
});

test('index: when the index is itself a directory, 404', async (t) => {
  const root = site(t, { 'index.html/': '' });
  const s = await startShare(t, { share: `${root}$uri` });
  t.is((await s.get('/')).status, 404);
  t.true(s.logs.some((l) => l.includes('is not a regular file')));
});

test('a directory without its slash: 301 to the slash form, the path encoded, the query kept', async (t) => {
  const root = site(t, { 'dir/index.html': 'x', 'my dir#1/': '', 'é?/': '' });
  const s = await startShare(t, { share: `${root}$uri` });
  const r = await s.get('/dir');
  t.is(r.status, 301);
  t.is(r.headers.location, '/dir/');
  t.is(r.headers['content-length'], '0');
  t.is(r.headers['content-type'], undefined);
  t.is(r.headers.etag, undefined);
  t.is(r.body.length, 0);
  t.is((await s.get('/dir?a=1&b')).headers.location, '/dir/?a=1&b');
  t.is((await s.get('/dir?')).headers.location, '/dir/');
  t.is((await s.get('/my%20dir%231')).headers.location, '/my%20dir%231/');
  t.is((await s.get('/%C3%A9%3F?x=%20')).headers.location, '/%C3%A9%3F/?x=%20');
  t.is((await s.request('/dir', { method: 'HEAD' })).status, 301);
});

test('HEAD: the same head as GET, no body', async (t) => {
  const root = site(t, { 'a.txt': 'some text' });
  const s = await startShare(t, { share: `${root}$uri` });
  const get = await s.get('/a.txt');
  const head = await s.request('/a.txt', { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.body.length, 0);
  for (const h of ['content-length', 'content-type', 'etag', 'last-modified']) t.is(head.headers[h], get.headers[h], h);
  const missing = await s.request('/none', { method: 'HEAD' });
  t.is(missing.status, 404);
  t.is(missing.body.length, 0);
});

// (A lowercase "get" never gets this far: Node's parser refuses it with 400.)
test('methods: only GET and HEAD; others get 405 (no Allow header) or the fallback', async (t) => {
  const root = site(t, { 'a.txt': 'x' });
  const s = await startShare(t, { share: `${root}$uri` });
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const r = await s.request('/a.txt', { method });
    t.is(r.status, 405, method);
    t.is(r.body.toString(), '<!DOCTYPE html><title>Error 405</title><p>Error 405.\r\n');
    t.is(r.headers.allow, undefined);
  }
  const f = await startShare(t, { share: `${root}$uri`, fallback: { return: 204 } });
  t.is((await f.request('/a.txt', { method: 'POST' })).status, FALLBACK_STATUS);
  t.is((await f.request('/a.txt', { method: 'GET' })).status, 200);
  t.deepEqual(f.outcomes, ['fallback', 'served']);
});

test('types: the MIME type must match, else 403 (or the fallback); patterns as in routes', async (t) => {
  const root = site(t, { 'a.html': 'x', 'b.png': 'x', 'c.unknown': 'x', 'index.html': 'idx' });
  const cases: Array<[string | string[], string, number]> = [
    ['image/png', '/b.png', 200],
    ['image/png', '/a.html', 403],
    ['IMAGE/PNG', '/b.png', 200],
    ['image/*', '/b.png', 200],
    ['image/*', '/a.html', 403],
    ['!text/*', '/b.png', 200],
    ['!text/*', '/a.html', 403],
    [['!text/html', 'image/*'], '/b.png', 200],
    [['!text/html', 'image/*'], '/c.unknown', 403],
    ['~^image/', '/b.png', 200],
    ['~^text/', '/b.png', 403],
    ['', '/c.unknown', 200],
    ['', '/a.html', 403],
    ['*', '/c.unknown', 200],
    // The index file is not filtered.
    ['image/png', '/', 200],
  ];
  for (const [types, target, status] of cases) {
    const s = await startShare(t, { share: `${root}$uri`, types });
    t.is((await s.get(target)).status, status, `${JSON.stringify(types)} ${target}`);
  }
  const f = await startShare(t, { share: `${root}$uri`, types: 'image/*', fallback: { return: 204 } });
  t.is((await f.get('/a.html')).status, FALLBACK_STATUS);
  t.deepEqual(f.outcomes, ['fallback']);
});

test('several shares: the first that can serve wins; the last failure is the answer', async (t) => {
  const a = site(t, { 'only-a.txt': 'A', 'both.txt': 'A' });
  const b = site(t, { 'only-b.txt': 'B', 'both.txt': 'B', 'link.txt': 'B' });
  fs.symlinkSync(path.join(b, 'only-b.txt'), path.join(a, 'link.txt'));
  const s = await startShare(t, { share: [`${a}$uri`, `${b}$uri`] });
  t.is((await s.get('/only-a.txt')).body.toString(), 'A');
  t.is((await s.get('/only-b.txt')).body.toString(), 'B');
  t.is((await s.get('/both.txt')).body.toString(), 'A');
  t.is((await s.get('/none.txt')).status, 404);

  // follow_symlinks: false makes a/link.txt a 403: the second share still serves,
  // and when nothing serves, the status of the last share tried is the answer.
  const strict = await startShare(t, { share: [`${a}$uri`, `${b}$uri`], follow_symlinks: false });
  t.is((await strict.get('/link.txt')).body.toString(), 'B');
  const last404 = await startShare(t, { share: [`${a}$uri`, `${a}/none$uri`], follow_symlinks: false });
  t.is((await last404.get('/link.txt')).status, 404);
  const last403 = await startShare(t, { share: [`${a}/none$uri`, `${a}$uri`], follow_symlinks: false });
  t.is((await last403.get('/link.txt')).status, 403);
});

test('fallback: a missing or forbidden file hands the request back without writing anything', async (t) => {
  const root = site(t, { 'a.txt': 'x' });
  fs.symlinkSync('/etc/hostname', path.join(root, 'link'));
  const s = await startShare(t, { share: `${root}$uri`, follow_symlinks: false, fallback: { pass: 'applications/x' } });
  t.is((await s.get('/missing')).status, FALLBACK_STATUS);
  t.is((await s.get('/link')).status, FALLBACK_STATUS);
  t.is((await s.get('/a.txt')).status, 200);
  t.deepEqual(s.outcomes, ['fallback', 'fallback', 'served']);
  t.false(s.logs.some((l) => l.includes('wrote a response')));
});

test('variables: the share may use any variable, and a constant share serves one file', async (t) => {
  const root = site(t, { 'example.com/a.txt': 'host A', 'other.org/a.txt': 'host B', 'one.txt': 'the one' });
  const s = await startShare(t, { share: `${root}/$host$uri` });
  t.is((await s.get('/a.txt', { host: 'example.com' })).body.toString(), 'host A');
  t.is((await s.get('/a.txt', { host: 'other.org' })).body.toString(), 'host B');
  const one = await startShare(t, { share: `${root}/one.txt` });
  t.is((await one.get('/anything/at/all')).body.toString(), 'the one');
  t.is((await one.get('/')).headers['content-type'], 'text/plain');
});

test('conditional GET: If-None-Match and If-Modified-Since answer 304; If-Match and Range are ignored as in Unit', async (t) => {
  const root = site(t, { 'a.txt': 'conditional' });
  const when = new Date(Date.UTC(2023, 5, 1, 12, 0, 0));
  fs.utimesSync(path.join(root, 'a.txt'), when, when);
  const s = await startShare(t, { share: `${root}$uri` });
  const first = await s.get('/a.txt');
  const etag = first.headers.etag!;
  const lastModified = first.headers['last-modified']!;

  const notModified = async (headers: Record<string, string>, method = 'GET'): Promise<boolean> => {
    const r = await s.request('/a.txt', { method, headers });
    if (r.status === 304) {
      t.is(r.body.length, 0);
      t.is(r.headers.etag, etag);
      t.is(r.headers['last-modified'], lastModified);
      t.is(r.headers['content-length'], undefined);
      return true;
    }
    t.is(r.status, 200);
    if (method === 'GET') t.is(r.body.toString(), 'conditional');
    return false;
  };
  t.true(await notModified({ 'If-None-Match': etag }));
  t.true(await notModified({ 'If-None-Match': `W/${etag}` }));
  t.true(await notModified({ 'If-None-Match': `"other", ${etag}` }));
  t.true(await notModified({ 'If-None-Match': '*' }));
  t.true(await notModified({ 'If-None-Match': etag }, 'HEAD'));
  t.false(await notModified({ 'If-None-Match': '"other"' }));
  t.true(await notModified({ 'If-Modified-Since': lastModified }));
  t.true(await notModified({ 'If-Modified-Since': 'Thu, 01 Jun 2023 12:00:01 GMT' }));
  t.false(await notModified({ 'If-Modified-Since': 'Thu, 01 Jun 2023 11:59:59 GMT' }));
  t.false(await notModified({ 'If-Modified-Since': 'not a date' }));
  // If-None-Match decides alone when present, even against a matching date.
  t.false(await notModified({ 'If-None-Match': '"other"', 'If-Modified-Since': lastModified }));
  t.false(await notModified({ 'If-Match': '"other"' }));
  t.false(await notModified({ 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' }));
  const ranged = await s.get('/a.txt', { Range: 'bytes=0-3' });
  t.is(ranged.status, 200);
  t.is(ranged.body.toString(), 'conditional');
  t.is(ranged.headers['content-range'], undefined);
});

test('errors: ENOTDIR and ENAMETOOLONG are 404; a FIFO or a socket is 404 without hanging', async (t) => {
  const root = site(t, { 'a.txt': 'x' });
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  const sock = net.createServer().listen(path.join(root, 'sock'));
  t.teardown(() => void sock.close());
  await new Promise((resolve) => sock.once('listening', resolve));
  const s = await startShare(t, { share: `${root}$uri` });
  t.is((await s.get('/a.txt/below')).status, 404);
  t.is((await s.get(`/${'n'.repeat(300)}`)).status, 404);
  t.is((await s.get('/fifo')).status, 404);
  t.is((await s.get('/sock')).status, 404);
});

test('an empty share value (a variable that evaluates to nothing) is 404; a zero-length file is served', async (t) => {
  const root = site(t, { empty: '' });
  const s = await startShare(t, { share: '$arg_f' });
  t.is((await s.get('/?f=')).status, 404);
  const r = await s.get(`/?f=${encodeURIComponent(path.join(root, 'empty'))}`);
  t.is(r.status, 200);
  t.is(r.headers['content-length'], '0');
  t.is(r.body.length, 0);
});

test('a forbidden open is logged the way Unit logs it; a missing file is not', async (t) => {
  const root = site(t, { 'a.txt': 'x' });
  fs.symlinkSync('a.txt', path.join(root, 'link'));
  const s = await startShare(t, { share: `${root}$uri`, follow_symlinks: false });
  t.is((await s.get('/link')).status, 403);
  t.is((await s.get('/missing')).status, 404);
  t.is(s.logs.length, 1);
  t.regex(s.logs[0], /^opening ".*\/link" failed: .*ELOOP/);
});
