// Nothing escapes: traversal in the path, symlinks out of the root, loops,
// absolute links under a chroot, /proc magic links, mount crossings, and
// files the server's user may not read. The path reaches the share as sent
// (decoded, not normalised), so the share alone must hold the line.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { FALLBACK_STATUS, httpRequest, startShare } from './fixtures/share/harness.js';
import { tempDir } from './helpers/tmp.js';

const SECRET = 'secret outside the share\n';
const JAIL_PASSWD = "the jail's own passwd\n";

/**
 *   base/outside.txt                  SECRET
 *   base/jail/etc/passwd              JAIL_PASSWD
 *   base/jail/www/a.txt, index.html
 *   base/jail/www/inlink   -> a.txt
 *   base/jail/www/abs      -> /etc/passwd
 *   base/jail/www/rel      -> ../../../../../../../../etc/passwd
 *   base/jail/www/out      -> ../../outside.txt
 *   base/jail/www/dirlink  -> /etc
 *   base/jail/www/loop1    -> loop2 -> loop1;  self -> self
 *   base/jail/www/magic    -> /proc/self/root/etc/passwd
 *   base/jaillink          -> jail
 */
function corpus(t: Parameters<typeof tempDir>[0]): { base: string; jail: string; www: string } {
  const base = tempDir(t, 'weft-share-escape-');
  const jail = path.join(base, 'jail');
  const www = path.join(jail, 'www');
  fs.mkdirSync(path.join(jail, 'etc'), { recursive: true });
  fs.mkdirSync(www, { recursive: true });
  fs.writeFileSync(path.join(base, 'outside.txt'), SECRET);
  fs.writeFileSync(path.join(jail, 'etc', 'passwd'), JAIL_PASSWD);
  fs.writeFileSync(path.join(www, 'a.txt'), 'inside');
  fs.writeFileSync(path.join(www, 'index.html'), 'index');
  fs.symlinkSync('a.txt', path.join(www, 'inlink'));
  fs.symlinkSync('/etc/passwd', path.join(www, 'abs'));
  fs.symlinkSync('../../../../../../../../etc/passwd', path.join(www, 'rel'));
  fs.symlinkSync('../../outside.txt', path.join(www, 'out'));
  fs.symlinkSync('/etc', path.join(www, 'dirlink'));
  fs.symlinkSync('loop2', path.join(www, 'loop1'));
  fs.symlinkSync('loop1', path.join(www, 'loop2'));
  fs.symlinkSync('self', path.join(www, 'self'));
  fs.symlinkSync('/proc/self/root/etc/passwd', path.join(www, 'magic'));
  fs.symlinkSync('jail', path.join(base, 'jaillink'));
  return { base, jail, www };
}

const etcPasswd = fs.readFileSync('/etc/passwd', 'utf8');

test("no chroot, symlinks followed (Unit's default): links resolve anywhere, loops and magic links are 403", async (t) => {
  const { www } = corpus(t);
  const s = await startShare(t, { share: `${www}$uri` });
  const body = async (target: string): Promise<[number, string]> => {
    const r = await s.get(target);
    return [r.status, r.body.toString()];
  };
  t.deepEqual(await body('/a.txt'), [200, 'inside']);
  t.deepEqual(await body('/inlink'), [200, 'inside']);
  t.deepEqual(await body('/abs'), [200, etcPasswd]);
  t.deepEqual(await body('/out'), [200, SECRET]);
  t.is((await s.get('/loop1')).status, 403);
  t.is((await s.get('/self')).status, 403);
  // Beyond Unit: /proc magic links are never followed.
  t.is((await s.get('/magic')).status, 403);
});

test('no chroot: ".." that the request put into the path is refused, however it is spelled', async (t) => {
  const { www } = corpus(t);
  const s = await startShare(t, { share: `${www}$uri` });
  for (const target of ['/../../outside.txt', '/%2e%2e/%2e%2e/outside.txt', '/x/../../../outside.txt', '/..', '/../']) {
    const r = await s.get(target);
    t.is(r.status, 403, target);
    t.false(r.body.toString().includes(SECRET.trim()), target);
  }
  // The same through a variable other than $uri.
  const arg = await startShare(t, { share: `${www}/$arg_f` });
  t.is((await arg.get('/?f=a.txt')).body.toString(), 'inside');
  t.is((await arg.get('/?f=../../outside.txt')).status, 403);
  // A name that merely contains dots is no climb.
  fs.writeFileSync(path.join(www, '..dots..'), 'dots');
  t.is((await s.get('/..dots..')).body.toString(), 'dots');
});

test("no chroot, follow_symlinks false: any symlink anywhere in the path is 403, the share's own prefix included", async (t) => {
  const { base, www } = corpus(t);
  const s = await startShare(t, { share: `${www}$uri`, follow_symlinks: false });
  t.is((await s.get('/a.txt')).body.toString(), 'inside');
  for (const target of ['/inlink', '/abs', '/rel', '/out', '/dirlink/passwd', '/loop1', '/magic']) {
    const r = await s.get(target);
    t.is(r.status, 403, target);
  }
  const viaLink = await startShare(t, { share: `${base}/jaillink/www$uri`, follow_symlinks: false });
  t.is((await viaLink.get('/a.txt')).status, 403);
  const followed = await startShare(t, { share: `${base}/jaillink/www$uri` });
  t.is((await followed.get('/a.txt')).body.toString(), 'inside');
});

test('chroot: every path resolves as if the chroot were "/": absolute and climbing links land inside it', async (t) => {
  const { base, jail, www } = corpus(t);
  const s = await startShare(t, { share: `${www}$uri`, chroot: jail });
  const get = async (target: string): Promise<[number, string]> => {
    const r = await s.get(target);
    return [r.status, r.body.toString()];
  };
  t.deepEqual(await get('/a.txt'), [200, 'inside']);
  t.deepEqual(await get('/'), [200, 'index']);
  t.deepEqual(await get('/inlink'), [200, 'inside']);
  t.deepEqual(await get('/abs'), [200, JAIL_PASSWD]);
  t.deepEqual(await get('/rel'), [200, JAIL_PASSWD]);
  t.deepEqual(await get('/dirlink/passwd'), [200, JAIL_PASSWD]);
  t.deepEqual(await get('/../etc/passwd'), [200, JAIL_PASSWD]);
  t.deepEqual(await get('/../../../../etc/passwd'), [200, JAIL_PASSWD]);
  t.is((await s.get('/out')).status, 404);
  t.is((await s.get('/../../outside.txt')).status, 404);
  t.is((await s.get('/magic')).status, 404);
  t.is((await s.get('/loop1')).status, 403);
  t.is((await s.get('/self')).status, 403);
  // The chroot itself may be reached through a symlink; only what lies below it is confined.
  const viaLink = await startShare(t, { share: `${base}/jaillink/www$uri`, chroot: `${base}/jaillink` });
  t.is((await viaLink.get('/abs')).body.toString(), JAIL_PASSWD);
});

test('chroot with follow_symlinks false: links inside the chroot are 403 too', async (t) => {
  const { jail, www } = corpus(t);
  const s = await startShare(t, { share: `${www}$uri`, chroot: jail, follow_symlinks: false });
  t.is((await s.get('/a.txt')).status, 200);
  for (const target of ['/inlink', '/abs', '/rel', '/dirlink/passwd', '/loop1']) t.is((await s.get(target)).status, 403, target);
});

test('chroot: a share outside the chroot, or naming the chroot itself, is 403; slashes are compared loosely', async (t) => {
  const { base, jail, www } = corpus(t);
  const cases: Array<[string, string, string, number]> = [
    [`${base}/outside.txt`, jail, '/', 403],
    [`${www}$uri`, `${jail}/ww`, '/a.txt', 403],
    [`${www}$uri`, `${jail}/www/a.txt`, '/a.txt', 403],
    [`${www}`, www, '/', 403],
    [`${www}/`, www, '/', 200],
    [`${jail}//www//$uri`, `${jail}/www/`, '/a.txt', 200],
    [`${jail}/www$uri`, `${jail}//www//`, '/a.txt', 200],
    ['relative$uri', jail, '/a.txt', 403],
    [`${base}/nonexistent/www$uri`, `${base}/nonexistent`, '/a.txt', 404],
  ];
  for (const [share, chroot, target, status] of cases) {
    const s = await startShare(t, { share, chroot });
    t.is((await s.get(target)).status, status, `${share} in ${chroot}`);
  }
  const f = await startShare(t, { share: `${base}/outside.txt`, chroot: jail, fallback: { return: 204 } });
  t.is((await f.get('/')).status, FALLBACK_STATUS);
});

test('chroot with a variable: each request is confined to its own root', async (t) => {
  const base = tempDir(t, 'weft-share-vhost-');
  for (const host of ['a.test', 'b.test']) {
    fs.mkdirSync(path.join(base, host, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(base, host, 'page.txt'), `page of ${host}`);
    fs.writeFileSync(path.join(base, host, 'etc', 'passwd'), `passwd of ${host}`);
    fs.symlinkSync('/etc/passwd', path.join(base, host, 'link'));
  }
  const s = await startShare(t, { share: `${base}/$host$uri`, chroot: `${base}/$host` });
  t.is((await s.get('/page.txt', { host: 'a.test' })).body.toString(), 'page of a.test');
  t.is((await s.get('/link', { host: 'b.test' })).body.toString(), 'passwd of b.test');
  t.is((await s.get('/../a.test/page.txt', { host: 'b.test' })).status, 404);
});

test('a NUL byte or bytes that are not UTF-8 never reach the file system as a shorter name', async (t) => {
  const { www } = corpus(t);
  const s = await startShare(t, { share: `${www}/$arg_f`, types: 'text/plain' });
  t.is((await s.get('/?f=a.txt')).body.toString(), 'inside');
  // "a.txt\0.txt" would open a.txt in C; it must not.
  t.is((await s.get('/?f=a.txt%00.txt')).status, 404);
  t.is((await s.get('/?f=%FF.txt')).status, 404);
});

function mountTmpfs(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `cannot mount a tmpfs here: ${(e as Error).message.split('\n')[0]}`;
  }
}

test('traverse_mounts false: a path that crosses a mount point is 403, with or without chroot', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-share-mount-'));
  const www = path.join(base, 'www');
  const mnt = path.join(www, 'mnt');
  fs.mkdirSync(mnt, { recursive: true });
  fs.writeFileSync(path.join(www, 'a.txt'), 'same mount');
  const skip = mountTmpfs(mnt);
  t.teardown(() => {
    if (skip === null) execFileSync('umount', ['-l', mnt]);
    fs.rmSync(base, { recursive: true, force: true });
  });
  if (skip !== null) {
    t.log(`skipped: ${skip}`);
    t.pass();
    return;
  }
  fs.writeFileSync(path.join(mnt, 'm.txt'), 'on the tmpfs');
  fs.symlinkSync('mnt/m.txt', path.join(www, 'to-mount'));

  const open = await startShare(t, { share: `${www}$uri` });
  t.is((await open.get('/mnt/m.txt')).body.toString(), 'on the tmpfs');

  const chrooted = await startShare(t, { share: `${www}$uri`, chroot: www, traverse_mounts: false });
  t.is((await chrooted.get('/a.txt')).body.toString(), 'same mount');
  t.is((await chrooted.get('/mnt/m.txt')).status, 403);
  t.is((await chrooted.get('/to-mount')).status, 403);
  t.is((await chrooted.get('/mnt/')).status, 403);

  // Without chroot the whole path from "/" counts (as in Unit): fine here only
  // when the temporary directory is on the root file system.
  const strict = await startShare(t, { share: `${www}$uri`, traverse_mounts: false });
  t.is((await strict.get('/mnt/m.txt')).status, 403);
  if (fs.statSync('/').dev === fs.statSync(www).dev) t.is((await strict.get('/a.txt')).body.toString(), 'same mount');
});

test("EACCES: files and directories the server's user may not read are 403 (server runs as nobody)", async (t) => {
  if (process.getuid?.() !== 0) {
    t.log('skipped: needs root to start the server as another user');
    t.pass();
    return;
  }
  const base = tempDir(t, 'weft-share-perm-');
  fs.chmodSync(base, 0o755);
  const www = path.join(base, 'www');
  fs.mkdirSync(path.join(www, 'locked'), { recursive: true });
  fs.writeFileSync(path.join(www, 'pub.txt'), 'public', { mode: 0o644 });
  fs.writeFileSync(path.join(www, 'secret.txt'), 'secret', { mode: 0o600 });
  fs.writeFileSync(path.join(www, 'locked', 'inner.txt'), 'inner', { mode: 0o644 });
  fs.chmodSync(path.join(www, 'locked'), 0o700);
  fs.chmodSync(base, 0o777);

  const start = async (action: object, name: string): Promise<string> => {
    const socket = path.join(base, `${name}.sock`);
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'share', 'serve-as-user.js'), socket, JSON.stringify(action)], {
      uid: 65534,
      gid: 65534,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.teardown(() => void child.kill('SIGTERM'));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    t.is(line.trim(), 'ready 65534');
    return socket;
  };
  const socket = await start({ share: `${www}$uri` }, 'plain');
  t.is((await httpRequest(socket, '/pub.txt')).body.toString(), 'public');
  t.is((await httpRequest(socket, '/secret.txt')).status, 403);
  t.is((await httpRequest(socket, '/locked/inner.txt')).status, 403);
  // Opening the directory itself needs read permission, so no redirect either (Unit opens it O_RDONLY too).
  t.is((await httpRequest(socket, '/locked')).status, 403);

  const withFallback = await start({ share: `${www}$uri`, fallback: { return: 204 } }, 'fallback');
  t.is((await httpRequest(withFallback, '/secret.txt')).status, FALLBACK_STATUS);
});
