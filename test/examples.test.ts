// The README as a user meets it: every JSON configuration in the README,
// examples/ and deploy/ is valid, examples/hello.json works as the README
// shows, and every command of the README's quick start runs as written
// (on a port and a control socket of the test's choosing).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { controlRequest } from '../src/cli/control-client.js';
import { validateConfig } from '../src/config/validate.js';
import { builtinPluginsDir } from '../src/paths.js';
import { findPlugins } from '../src/process-types/discovery/find-plugins.js';
import { request } from './helpers/http.js';
import { freePort } from './helpers/ports.js';
import { childrenOf, waitFor } from './helpers/processes.js';
import { parseMetrics, sumOf } from './helpers/prometheus.js';
import { startWithConfig } from './helpers/router.js';
import { tempDir } from './helpers/tmp.js';

const root = path.resolve(__dirname, '..', '..');
const examples = path.join(root, 'examples');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** Fenced blocks of one language, with the line each starts on. */
function blocks(markdown: string, lang: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const m of markdown.matchAll(re)) out.push({ line: markdown.slice(0, m.index).split('\n').length, text: m[1] });
  return out;
}

/** The configurations a reader may copy: README json blocks (a member fragment is wrapped), examples/*.json, the Kubernetes ConfigMap's. */
function configurations(): Array<{ where: string; config: unknown }> {
  const out: Array<{ where: string; config: unknown }> = [];
  for (const b of blocks(readme, 'json')) {
    let config: unknown;
    try {
      config = JSON.parse(b.text);
    } catch {
      config = JSON.parse(`{${b.text}}`);
    }
    out.push({ where: `README.md:${b.line}`, config });
  }
  for (const name of fs.readdirSync(examples).filter((n) => n.endsWith('.json'))) {
    out.push({ where: `examples/${name}`, config: JSON.parse(fs.readFileSync(path.join(examples, name), 'utf8')) });
  }
  const configMap = fs.readFileSync(path.join(root, 'deploy', 'kubernetes', 'configmap.yaml'), 'utf8');
  const m = /^ {2}weft\.json: \|\n((?: {4}.*\n?)+)/m.exec(configMap);
  if (!m) throw new Error('deploy/kubernetes/configmap.yaml has no weft.json block');
  out.push({ where: 'deploy/kubernetes/configmap.yaml', config: JSON.parse(m[1].replace(/^ {4}/gm, '')) });
  return out;
}

test('every JSON configuration in the README, examples/ and deploy/ is valid', (t) => {
  const { modules } = findPlugins([builtinPluginsDir]);
  const found = configurations();
  t.true(found.length >= 4, found.map((f) => f.where).join(', '));
  for (const { where, config } of found) {
    const result = validateConfig(config, {
      appTypes: modules,
      certificates: new Set(),
      // The README's user "blog" lives on the reader's machine, not this one: uid and gid 1000, as its uidmap says.
      lookupUser: () => ({ uid: 1000, gid: 1000 }),
      lookupGroup: () => ({ gid: 1000 }),
      defaultUser: 'nobody',
    });
    t.deepEqual(result, { ok: true }, where);
  }
});

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
  const status = (await controlRequest({ socketPath: w.controlPath }, 'GET', '/status/applications/hello/processes')).body as {
    running: number;
  };
  t.true(status.running >= 1);
});

/** The quick start's commands, continuation lines joined. */
function quickStart(): string[] {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const [first] = blocks(section, 'sh');
  return first.text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(command: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the quick start, command by command, as the README shows it', async (t) => {
  const commands = quickStart();
  // What each command must do; the README and this list change together.
  const expected: Array<[RegExp, (r: Run) => void]> = [
    [
      /^curl -i http:\/\/127\.0\.0\.1:8080\/ /,
      (r) => {
        t.regex(r.stdout, /^HTTP\/1\.1 200 OK\r\n/);
        t.regex(r.stdout, /\r\n\r\nHello from process \d+ \(GET \/\)\n$/);
      },
    ],
    [
      /^curl -i http:\/\/127\.0\.0\.1:8080\/old\/page /,
      (r) => {
        t.regex(r.stdout, /^HTTP\/1\.1 301 Moved Permanently\r\n/);
        t.regex(r.stdout, /\r\nLocation: \/\r\n/i);
      },
    ],
    [
      /^bin\/weft status /,
      (r) => {
        const status = JSON.parse(r.stdout) as {
          connections: object;
          requests: { total: number };
          applications: { hello: { processes: { running: number } } };
        };
        t.true(status.requests.total >= 2);
        t.true(status.applications.hello.processes.running >= 1);
      },
    ],
    [/^bin\/weft health /, (r) => t.is(r.stdout, 'ready\n')],
    [
      /^curl -X PUT -d '\{"max": 8, "spare": 2\}' --unix-socket \/var\/run\/control\.weft\.sock http:\/\/localhost\/config\/applications\/hello\/processes /,
      (r) => t.deepEqual(JSON.parse(r.stdout), { success: 'Reconfiguration done.' }),
    ],
    [
      /^curl --unix-socket \/var\/run\/control\.weft\.sock http:\/\/localhost\/control\/applications\/hello\/restart$/,
      (r) => t.deepEqual(JSON.parse(r.stdout), { success: 'Ok' }),
    ],
    [
      /^curl --unix-socket \/var\/run\/control\.weft\.sock http:\/\/localhost\/metrics /,
      (r) => {
        const families = parseMetrics(r.stdout, 'prometheus');
        t.true(sumOf(families, 'weft_http_requests_total') >= 2);
      },
    ],
  ];
  t.is(commands.length, expected.length + 1, commands.join('\n'));
  t.regex(commands[0], /^bin\/weftd --no-daemon --config examples\/hello\.json /);

  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const control = path.join(dir, 'control.sock');
  // The test's own port, control socket, state and pid file instead of the defaults.
  const localise = (command: string): string =>
    command
      .replace(/^bin\/weftd /, `bin/weftd --control unix:${control} --statedir ${dir}/state --pid ${dir}/weft.pid `)
      .replace('examples/hello.json', path.join(dir, 'hello.json'))
      .replace(/127\.0\.0\.1:8080/g, `127.0.0.1:${port}`)
      .replace(/\/var\/run\/control\.weft\.sock/g, control);
  const hello = fs.readFileSync(path.join(examples, 'hello.json'), 'utf8').replace('127.0.0.1:8080', `127.0.0.1:${port}`);
  fs.writeFileSync(path.join(dir, 'hello.json'), hello);
  const env = { ...process.env, WEFT_CONTROL: `unix:${control}` };

  // weftd in the foreground in its own process group, as in a terminal.
  const weftd = spawn('sh', ['-c', `exec ${localise(commands[0])}`], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  weftd.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  weftd.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': what it wrote last is read only once its pipes are closed.
  const exited = new Promise<number | null>((r) => weftd.on('close', (code) => r(code)));
  t.teardown(() => {
    try {
      process.kill(-weftd.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await waitFor(() => /\[info\] \d+#\d+ weft [\d.]+ started\n/.test(err), 30000, `"started" on weftd's stderr`);

  for (const [i, command] of commands.slice(1).entries()) {
    const [pattern, check] = expected[i];
    t.regex(command, pattern);
    const r = await sh(localise(command), env);
    t.is(r.code, 0, `${command}\n${r.stderr}`);
    check(r);
  }
  // The access log (hello.json: /dev/stdout) has the two requests.
  await waitFor(() => out.includes('"GET /old/page HTTP/1.1" 301'), 10000, 'the access log on stdout');
  t.regex(out, /"GET \/ HTTP\/1\.1" 200 /);

  // Ctrl-C: SIGINT to the whole process group; main decides, everything stops.
  const children = childrenOf(weftd.pid!).map((c) => c.pid);
  t.true(children.length >= 3);
  process.kill(-weftd.pid!, 'SIGINT');
  t.is(await exited, 0);
  t.regex(err, /SIGINT received, exiting/);
  for (const pid of children)
    t.false(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `pid ${pid} is gone`);
});
