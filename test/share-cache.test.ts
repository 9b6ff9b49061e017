// The cache behind the share: a changed file is served fresh within a
// second, the budget holds (eviction), what one share's limits refuse stays
// refused for another sharing the cache, large files stream intact, and no
// fd is left open, whatever the outcome.
import { createHash, randomBytes } from 'node:crypto';
import fs, { type Stats } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import test from 'ava';

import { FileCache } from '../src/process-types/router/share/index.js';
import { FileEntry } from '../src/process-types/router/share/file-entry.js';
import { openFdCount, startShare, type Reply } from './fixtures/share/harness.js';
import { tempDir } from './helpers/tmp.js';
import { scaled } from './helpers/machine.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Polls until `check` holds or `ms` pass; returns whether it held. */
async function eventually(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + scaled(ms);
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

test('a file changed on disk is served fresh once its one-second validity has passed: rewritten, renamed over, deleted', async (t) => {
  const root = tempDir(t, 'weft-share-fresh-');
  const file = path.join(root, 'page.txt');
  fs.writeFileSync(file, 'version 1');
  // The validity is one second; on a busy machine two requests in a row can
  // be further apart than that, and the second would be a check, not a hit.
  const cache = new FileCache({ revalidateMs: scaled(1000) });
  const s = await startShare(t, { share: `${root}$uri` }, { cache });
  t.is((await s.get('/page.txt')).body.toString(), 'version 1');
  const before = cache.stats();
  t.is((await s.get('/page.txt')).body.toString(), 'version 1');
  t.is(cache.stats().hits, before.hits + 1, 'the second request is a hit');

  fs.writeFileSync(file, 'version 2, longer');
  t.true(await eventually(5000, async () => (await s.get('/page.txt')).body.toString() === 'version 2, longer'));

  fs.writeFileSync(`${file}.tmp`, 'version 3 by rename');
  fs.renameSync(`${file}.tmp`, file);
  t.true(await eventually(5000, async () => (await s.get('/page.txt')).body.toString() === 'version 3 by rename'));

  fs.rmSync(file);
  t.true(await eventually(5000, async () => (await s.get('/page.txt')).status === 404));
});

test('a same-size rewrite with the old mtime put back is still seen (ctime), with settling off', async (t) => {
  const root = tempDir(t, 'weft-share-ctime-');
  const file = path.join(root, 'same.txt');
  fs.writeFileSync(file, 'AAAA');
  const old = new Date(Date.UTC(2020, 0, 1));
  fs.utimesSync(file, old, old);
  const cache = new FileCache({ settleMs: 0 });
  const s = await startShare(t, { share: `${root}$uri` }, { cache });
  const first = await s.get('/same.txt');
  t.is(first.body.toString(), 'AAAA');
  fs.writeFileSync(file, 'BBBB');
  fs.utimesSync(file, old, old);
  let last: Reply | undefined;
  t.true(await eventually(5000, async () => (last = await s.get('/same.txt')).body.toString() === 'BBBB'));
  // Same mtime and size: the ETag (Unit's format) cannot tell; the body does.
  t.is(last!.headers.etag, first.headers.etag);
});

test('an unchanged file is confirmed by one stat per request (as Unit), not read again', async (t) => {
  const root = tempDir(t, 'weft-share-confirm-');
  fs.writeFileSync(path.join(root, 'a.txt'), 'steady');
  const cache = new FileCache({ settleMs: 0 });
  const s = await startShare(t, { share: `${root}$uri` }, { cache });
  await sleep(20);
  await s.get('/a.txt');
  const before = cache.stats();
  await Promise.all([s.get('/a.txt'), s.get('/a.txt'), s.get('/a.txt')]);
  const after = cache.stats();
  t.is(after.misses, before.misses, 'not read again');
  t.is(after.revalidations, before.revalidations + 3, 'a stat each');
  t.is(after.hits, before.hits + 3);
});

test('with the default cache a change is seen by the very next request: rewritten, renamed over, swapped symlink', async (t) => {
  const root = tempDir(t, 'weft-share-now-');
  const file = path.join(root, 'page.txt');
  fs.writeFileSync(file, 'version 1');
  const old = new Date(Date.UTC(2020, 0, 1));
  fs.utimesSync(file, old, old);
  const s = await startShare(t, { share: `${root}$uri` }, { cache: new FileCache() });
  t.is((await s.get('/page.txt')).body.toString(), 'version 1');
  fs.writeFileSync(file, 'version 2, longer');
  t.is((await s.get('/page.txt')).body.toString(), 'version 2, longer');
  fs.writeFileSync(`${file}.tmp`, 'version 3 by rename');
  fs.renameSync(`${file}.tmp`, file);
  t.is((await s.get('/page.txt')).body.toString(), 'version 3 by rename');
  // A deploy that swaps a symlink: the path names another file, the old one is unchanged.
  fs.mkdirSync(path.join(root, 'r1'));
  fs.mkdirSync(path.join(root, 'r2'));
  fs.writeFileSync(path.join(root, 'r1', 'x.txt'), 'release 1');
  fs.writeFileSync(path.join(root, 'r2', 'x.txt'), 'release 2');
  for (const f of ['r1/x.txt', 'r2/x.txt']) fs.utimesSync(path.join(root, f), old, old);
  fs.symlinkSync('r1', path.join(root, 'current'));
  t.is((await s.get('/current/x.txt')).body.toString(), 'release 1');
  t.is((await s.get('/current/x.txt')).body.toString(), 'release 1');
  fs.symlinkSync('r2', path.join(root, 'next'));
  fs.renameSync(path.join(root, 'next'), path.join(root, 'current'));
  t.is((await s.get('/current/x.txt')).body.toString(), 'release 2');
  fs.rmSync(file);
  t.is((await s.get('/page.txt')).status, 404);
});

test('a file changed this recently is not trusted on equal stats: read again at the next check', (t) => {
  const now = Date.now();
  const stats = (changedAgo: number): Stats =>
    ({ dev: 1, ino: 2, size: 3, mtimeMs: now - changedAgo, ctimeMs: now - changedAgo, isFile: () => true }) as Stats;
  t.false(new FileEntry('k', Buffer.from('/p'), stats(100), Buffer.alloc(3), now, 2000).settled);
  t.true(new FileEntry('k', Buffer.from('/p'), stats(2500), Buffer.alloc(3), now, 2000).settled);
});

test('a cached file that becomes a symlink is refused (403) under follow_symlinks false', async (t) => {
  const root = tempDir(t, 'weft-share-swap-');
  const file = path.join(root, 'a.txt');
  fs.writeFileSync(file, 'plain file');
  const s = await startShare(t, { share: `${root}$uri`, follow_symlinks: false }, { cache: new FileCache() });
  t.is((await s.get('/a.txt')).body.toString(), 'plain file');
  fs.rmSync(file);
  fs.symlinkSync('/etc/passwd', file);
  t.true(await eventually(1500, async () => (await s.get('/a.txt')).status === 403));
  t.false((await s.get('/a.txt')).body.toString().includes('root:'));
});

test("shares with other limits or MIME tables sharing one cache never see each other's answers", async (t) => {
  const root = tempDir(t, 'weft-share-shared-');
  fs.writeFileSync(path.join(root, 'real.txt'), 'real');
  fs.symlinkSync('real.txt', path.join(root, 'link.txt'));
  const cache = new FileCache();
  const loose = await startShare(t, { share: `${root}$uri` }, { cache });
  const strict = await startShare(t, { share: `${root}$uri`, follow_symlinks: false }, { cache });
  const typed = await startShare(t, { share: `${root}$uri` }, { cache, mimeTypes: { 'text/x-mine': '.txt' } });
  t.is((await loose.get('/link.txt')).body.toString(), 'real');
  t.is((await strict.get('/link.txt')).status, 403);
  t.is((await loose.get('/link.txt')).status, 200);
  t.is((await loose.get('/real.txt')).headers['content-type'], 'text/plain');
  t.is((await typed.get('/real.txt')).headers['content-type'], 'text/x-mine');
  t.is((await loose.get('/real.txt')).headers['content-type'], 'text/plain');
});

test("chroot with an absolute symlink: the check by real path misses, the reopen confirms, the jail's file stays", async (t) => {
  const jail = tempDir(t, 'weft-share-jailcache-');
  fs.mkdirSync(path.join(jail, 'etc'));
  fs.writeFileSync(path.join(jail, 'etc', 'passwd'), 'jail passwd');
  fs.symlinkSync('/etc/passwd', path.join(jail, 'link'));
  const cache = new FileCache({ settleMs: 0 });
  const s = await startShare(t, { share: `${jail}$uri`, chroot: jail }, { cache });
  t.is((await s.get('/link')).body.toString(), 'jail passwd');
  const before = cache.stats();
  await sleep(1100);
  t.is((await s.get('/link')).body.toString(), 'jail passwd');
  t.is(cache.stats().misses, before.misses, 'same file reached again: kept, not read');
});

test('eviction: the cache stays within its budget and every file is still served right', async (t) => {
  const root = tempDir(t, 'weft-share-evict-');
  const files = Array.from({ length: 40 }, (_, i) => {
    const body = randomBytes(16 * 1024);
    fs.writeFileSync(path.join(root, `f${i}.bin`), body);
    return sha256(body);
  });
  const big = randomBytes(100 * 1024);
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  // settleMs 0: files written a moment ago count as settled (the test is about the budget, not about racing writes).
  const cache = new FileCache({ maxBytes: 256 * 1024, maxFileBytes: 64 * 1024, settleMs: 0 });
  const s = await startShare(t, { share: `${root}$uri` }, { cache });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < files.length; i++) t.is(sha256((await s.get(`/f${i}.bin`)).body), files[i], `round ${round} f${i}`);
  }
  const stats = cache.stats();
  t.true(stats.bytes <= cache.maxBytes, `${stats.bytes} bytes cached`);
  t.true(stats.entries > 0 && stats.entries < files.length, `${stats.entries} entries`);
  t.true(stats.evictions >= files.length, `${stats.evictions} evictions`);
  const hits = cache.stats().hits;
  t.is(sha256((await s.get('/f39.bin')).body), files[39]);
  t.is(cache.stats().hits, hits + 1, 'the most recent file is still cached');
  const entries = cache.stats().entries;
  t.is(sha256((await s.get('/big.bin')).body), sha256(big));
  t.is(cache.stats().entries, entries, 'a file over the per-file cap is streamed, not cached');
});

test('large files: streamed intact (over the cache cap) or served from memory (under it), HEAD and 304 too', async (t) => {
  const root = tempDir(t, 'weft-share-large-');
  const large = randomBytes(10 * 1024 * 1024 + 12345);
  const medium = randomBytes(1024 * 1024);
  fs.writeFileSync(path.join(root, 'large.bin'), large);
  fs.writeFileSync(path.join(root, 'medium.bin'), medium);
  const cache = new FileCache();
  const s = await startShare(t, { share: `${root}$uri` }, { cache });
  const replies = await Promise.all([1, 2, 3, 4].map(() => s.get('/large.bin')));
  for (const r of replies) {
    t.is(r.status, 200);
    t.is(r.headers['content-length'], String(large.length));
    t.is(sha256(r.body), sha256(large));
  }
  t.is(cache.stats().entries, 0);
  const m = await s.get('/medium.bin');
  t.is(sha256(m.body), sha256(medium));
  t.is(cache.stats().entries, 1);
  const head = await s.request('/large.bin', { method: 'HEAD' });
  t.is(head.headers['content-length'], String(large.length));
  t.is(head.body.length, 0);
  t.is((await s.get('/large.bin', { 'If-None-Match': replies[0].headers.etag! })).status, 304);
});

test('many concurrent requests for a cold file all get it whole', async (t) => {
  const root = tempDir(t, 'weft-share-herd-');
  const body = randomBytes(300 * 1024);
  fs.writeFileSync(path.join(root, 'x.bin'), body);
  const s = await startShare(t, { share: `${root}$uri` }, { cache: new FileCache() });
  const replies = await Promise.all(Array.from({ length: 50 }, () => s.get('/x.bin')));
  for (const r of replies) t.is(sha256(r.body), sha256(body));
});

// Serial: counting this process's fds needs the other tests of the file to be idle.
test.serial('no fd stays open: after every kind of answer, and after a client that goes away mid-file', async (t) => {
  const root = tempDir(t, 'weft-share-fds-');
  fs.writeFileSync(path.join(root, 'a.txt'), 'a');
  fs.writeFileSync(path.join(root, 'large.bin'), randomBytes(12 * 1024 * 1024));
  fs.mkdirSync(path.join(root, 'dir'));
  fs.symlinkSync('a.txt', path.join(root, 'link'));
  const s = await startShare(t, { share: `${root}$uri`, follow_symlinks: false }, { cache: new FileCache() });
  const c = await startShare(t, { share: `${root}$uri`, chroot: root }, { cache: new FileCache() });
  await s.get('/a.txt');
  await sleep(100);
  const baseline = openFdCount();
  for (let i = 0; i < 20; i++) {
    await s.get('/a.txt');
    await s.get('/missing');
    await s.get('/link');
    await s.get('/dir');
    await s.request('/a.txt', { method: 'POST' });
    await s.request('/large.bin', { method: 'HEAD' });
    await s.get('/large.bin', { 'If-None-Match': '*' });
    await c.get('/a.txt');
    await c.get('/missing');
  }
  await s.get('/large.bin');
  // A client that reads the start of a large file and hangs up.
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ socketPath: s.socket, path: '/large.bin', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
    req.end();
  });
  t.true(await eventually(2000, async () => openFdCount() <= baseline), `fds: ${openFdCount()} now, ${baseline} before`);
});
