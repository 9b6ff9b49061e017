// bin/weft: a command-line client of the control API (Unit shipped unitc).
//
//   weft [--control ADDRESS] config get [PATH]
//   weft [--control ADDRESS] config set PATH VALUE|@FILE [--if-match ETAG]
//   weft [--control ADDRESS] config delete PATH [--if-match ETAG]
//   weft [--control ADDRESS] status [PATH]
//   weft [--control ADDRESS] restart APP
//   weft [--control ADDRESS] health [--live] [--timeout SECONDS]
//
// Prints the server's JSON answer; exits 1 with the error and its detail
// when the server refuses.
import fs from 'node:fs';
import { parseArgs } from 'node:util';

import { evaluateReadiness } from '../health/readiness.js';
import type { ConfigView, StatusView } from '../health/readiness.js';
import { controlRequest, describeUnreachable, parseControlAddress } from './control-client.js';
import type { ControlAddress } from './control-client.js';

const USAGE = `usage: weft [--control ADDRESS] <command>

  config get [PATH]              print the configuration (or the value at PATH)
  config set PATH VALUE|@FILE    replace the value at PATH with JSON (from FILE with @)
  config delete PATH             remove the value at PATH
  status [PATH]                  print the server's status
  restart APP                    restart an application's processes gracefully
  health                         exit 0 if ready (the configuration applied, every
                                 application with a running process), else 1 and why
  health --live                  exit 0 if the server answers (controller and router)

  --control ADDRESS   unix:/path or host:port (default: $WEFT_CONTROL, or
                      unix:/var/run/control.weft.sock)
  --if-match ETAG     change only if the configuration is still the one read
                      (config get --etag prints its ETag to stderr)
  --etag              print the ETag of what "config get" returned to stderr
  --timeout SECONDS   health: how long to wait for answers (default 5)
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`weft: ${message}\n`);
  process.exit(code);
}

/** "listeners/*:80" (or "/config/listeners/*:80") -> "/config/listeners/*%3A80"; "%2F" stays a "/" inside a key. */
function apiPath(base: '/config' | '/status', path: string | undefined): string {
  let p = (path ?? '').replace(/^\/+/, '');
  const prefix = base.slice(1);
  if (p === prefix || p.startsWith(`${prefix}/`)) p = p.slice(prefix.length).replace(/^\/+/, '');
  if (p === '') return base;
  return `${base}/${p
    .split('/')
    .map((s) => encodeURIComponent(decodeURIComponentSafe(s)))
    .join('/')}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        control: { type: 'string' },
        'if-match': { type: 'string' },
        etag: { type: 'boolean' },
        live: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const address = parseControlAddress(values.control ?? process.env.WEFT_CONTROL ?? 'unix:/var/run/control.weft.sock');
  const headers: Record<string, string> = {};
  if (values['if-match']) headers['If-Match'] = values['if-match'];

  let method = 'GET';
  let path: string;
  let body: string | undefined;
  const [command, sub, ...rest] = positionals;
  if (command === 'config') {
    if (sub === 'get') {
      path = apiPath('/config', rest[0]);
    } else if (sub === 'set') {
      if (rest.length !== 2) fail(`config set needs PATH and VALUE\n${USAGE}`, 2);
      method = 'PUT';
      path = apiPath('/config', rest[0]);
      body = rest[1].startsWith('@') ? fs.readFileSync(rest[1].slice(1), 'utf8') : rest[1];
      try {
        JSON.parse(body);
      } catch {
        fail(`the value is not JSON (a string needs quotes: '"routes"'): ${body.slice(0, 80)}`, 2);
      }
    } else if (sub === 'delete') {
      if (rest.length !== 1) fail(`config delete needs PATH\n${USAGE}`, 2);
      method = 'DELETE';
      path = apiPath('/config', rest[0]);
    } else {
      fail(`unknown config command "${sub ?? ''}"\n${USAGE}`, 2);
    }
  } else if (command === 'status') {
    path = apiPath('/status', sub);
  } else if (command === 'health') {
    const seconds = Number(values.timeout ?? 5);
    if (!(seconds > 0)) fail(`--timeout needs a number of seconds\n${USAGE}`, 2);
    return health(address, Boolean(values.live), seconds * 1000);
  } else if (command === 'restart') {
    if (!sub) fail(`restart needs an application name\n${USAGE}`, 2);
    path = `/control/applications/${encodeURIComponent(sub)}/restart`;
  } else {
    fail(`unknown command "${command}"\n${USAGE}`, 2);
  }

  let reply;
  try {
    reply = await controlRequest(address, method, path, body, headers);
  } catch (e) {
    fail(describeUnreachable(address, e as Error));
  }
  if (values.etag && reply.headers.etag) process.stderr.write(`ETag: ${reply.headers.etag}\n`);
  if (reply.status >= 400) {
    const b = reply.body as { error?: string; detail?: string };
    const detail = b && typeof b === 'object' && b.detail ? `: ${b.detail}` : '';
    fail(`${reply.status} ${b && typeof b === 'object' ? b.error : reply.text}${detail}`);
  }
  process.stdout.write(`${JSON.stringify(reply.body, null, 2)}\n`);
}

/**
 * For exec probes (Kubernetes, Docker HEALTHCHECK, monitoring scripts): the
 * exit code is the answer, the output says why. Readiness is decided as the
 * health endpoint decides it (src/health/readiness.ts); /status answers only
 * once the router runs the configuration, so /config is then applied.
 */
async function health(address: ControlAddress, live: boolean, timeoutMs: number): Promise<void> {
  const get = async (path: string): Promise<unknown> => {
    let reply;
    try {
      reply = await controlRequest(address, 'GET', path, undefined, {}, timeoutMs);
    } catch (e) {
      process.stdout.write(`not ${live ? 'live' : 'ready'}: ${describeUnreachable(address, e as Error)}\n`);
      process.exit(1);
    }
    if (reply.status !== 200) {
      const b = reply.body as { error?: string; detail?: string };
      process.stdout.write(
        `not ${live ? 'live' : 'ready'}: ${path}: ${reply.status} ${b?.error ?? reply.text}${b?.detail ? `: ${b.detail}` : ''}\n`,
      );
      process.exit(1);
    }
    return reply.body;
  };
  const status = (await get('/status')) as StatusView;
  if (live) {
    process.stdout.write('live\n');
    return;
  }
  const config = (await get('/config')) as ConfigView;
  const { ready, reasons } = evaluateReadiness(config, status);
  process.stdout.write(ready ? 'ready\n' : 'not ready\n');
  for (const reason of reasons) process.stdout.write(`  ${reason}\n`);
  process.exitCode = ready ? 0 : 1;
}

void main(process.argv.slice(2));
