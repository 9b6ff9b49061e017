// Fuzz: fast-check mutations of the valid corpus configurations sent to a
// real weftd through the control API. Whatever a mutation does:
// - the answer is 200, a 4xx with a detail, or a 500 "Failed to apply new
//   configuration." whose detail says why (never an internal error);
// - the controller answers within a bound and never dies (nor the router);
// - GET /config shows the new configuration if it was accepted, the old one
//   if not;
// - an accepted configuration serves: a listener it defines answers HTTP;
// - no configuration makes the process count exceed what it asks for, and
//   an empty configuration afterwards leaves only main, router, controller.
//
// Each run starts from the localised corpus entry (so the mutation is a
// reconfiguration of a live config), applies the mutation, checks, and goes
// back to {}: runs do not depend on each other and shrink reliably.
// Most runs have no application (app passes go to an upstream); the others
// have at most 2 apps of at most 2 processes each, clamped after mutation.
//
// WEFT_FUZZ_RUNS (default 1000, without apps) and WEFT_FUZZ_APP_RUNS
// (default 50) set the counts, WEFT_FUZZ_SEED the seed (printed on failure).
import fs from 'node:fs';
import path from 'node:path';

import test from 'ava';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';

import { census, describe } from './helpers/census.js';
import type { Member } from './helpers/census.js';
import { control, NoAnswer } from './helpers/control.js';
import { backend, request } from './helpers/http.js';
import { machineLoad, scaled, sleep } from './helpers/machine.js';
import { freePort } from './helpers/ports.js';
import { report } from './helpers/report.js';
import { tempDir } from './helpers/tmp.js';
import { startWeftd } from './helpers/weftd.js';
import type { Weftd } from './helpers/weftd.js';

const ROOT = path.resolve(__dirname, '..', '..');
const HELLO = path.join(ROOT, 'test', 'fixtures', 'weft-apps', 'hello.js');
const CORPUS = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'corpus', 'valid-configs.json'), 'utf8')) as Array<{
  name: string;
  config: unknown;
}>;
const RUNS = Number(process.env.WEFT_FUZZ_RUNS ?? 1000);
const APP_RUNS = Number(process.env.WEFT_FUZZ_APP_RUNS ?? 50);
const SEED = Number(process.env.WEFT_FUZZ_SEED ?? 20261203);
const MAX_APPS = 2;
const MAX_PROCESSES = 2;
/** Property evaluations allowed while shrinking (each failed one restarts weftd), and time: bounds on the run. */
const SHRINK_BUDGET = 40;
const SHRINK_MS = 90000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Env {
  ports: number[];
  backend: number;
  dir: string;
}

// ---- Localising a corpus entry to this machine: loopback ports we hold, files in our temp dir.

function mapListeners(listeners: Json, env: Env): Json {
  if (!listeners || typeof listeners !== 'object' || Array.isArray(listeners)) return listeners;
  const out: Record<string, Json> = {};
  Object.entries(listeners).forEach(([address, value], i) => {
    if (i >= env.ports.length) return;
    if (address.startsWith('unix:@')) out[`unix:@weft-fuzz-${process.pid}-${i}`] = value;
    else if (address.startsWith('unix:')) out[`unix:${path.join(env.dir, `l${i}.sock`)}`] = value;
    else out[`127.0.0.1:${env.ports[i]}`] = value;
  });
  return out;
}

/**
 * Rewrites what could touch the machine beyond our ports and temp dir,
 * whatever a mutation made. `localise`: a corpus entry, whose apps become
 * the hello fixture (after a mutation, a script stays what it was made).
 */
function sanitise(doc: Json, env: Env, withApps: boolean, localise: boolean): Json {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const o = doc as Record<string, Json>;
  const keep = new Set<string>();
  const apps = o.applications;
  if (withApps && apps && typeof apps === 'object' && !Array.isArray(apps)) {
    const names = Object.keys(apps).slice(0, MAX_APPS);
    const out: Record<string, Json> = {};
    for (const name of names) {
      const a = apps[name];
      if (a && typeof a === 'object' && !Array.isArray(a)) {
        const app = { ...a } as Record<string, Json>;
        // Files, users and sandboxes of the host stay out of reach: cgroups, rootfs, log files.
        for (const k of ['stdout', 'stderr', 'working_directory', 'user', 'group', 'isolation', 'executable']) delete app[k];
        if (localise) {
          app.type = 'node';
          app.script = HELLO;
        }
        app.processes = clampProcesses(app.processes);
        out[name] = app;
      } else out[name] = a;
      keep.add(name);
    }
    o.applications = out;
  } else if (apps !== undefined && !withApps) {
    delete o.applications;
  }
  const fuzzUpstream = `upstreams/fuzz`;
  const walk = (v: Json, key: string | null): Json => {
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (v && typeof v === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    if (typeof v === 'string') {
      // A pass to an app that is not there (or never was, in a run without apps) goes to our backend.
      if (key === 'pass' && v.startsWith('applications/') && !keep.has(v.slice('applications/'.length).split('/')[0])) return fuzzUpstream;
      if (key === 'proxy' && v.startsWith('http')) return `http://127.0.0.1:${env.backend}`;
    }
    return v;
  };
  for (const k of Object.keys(o)) if (k !== 'applications') o[k] = walk(o[k], k);
  o.listeners = mapListeners(o.listeners ?? {}, env);
  const ups = (o.upstreams && typeof o.upstreams === 'object' && !Array.isArray(o.upstreams) ? o.upstreams : {}) as Record<string, Json>;
  for (const [name, u] of Object.entries(ups)) {
    if (u && typeof u === 'object' && !Array.isArray(u) && u.servers && typeof u.servers === 'object' && !Array.isArray(u.servers)) {
      const first = Object.values(u.servers)[0] ?? {};
      ups[name] = { ...u, servers: { [`127.0.0.1:${env.backend}`]: first } };
    }
  }
  if (JSON.stringify(o).includes(`"${fuzzUpstream}"`)) ups.fuzz = { servers: { [`127.0.0.1:${env.backend}`]: {} } };
  if (Object.keys(ups).length || o.upstreams !== undefined) o.upstreams = ups;
  // The access log is a file weftd opens: only in our temp dir.
  if (typeof o.access_log === 'string') o.access_log = path.join(env.dir, 'access.log');
  else if (o.access_log && typeof o.access_log === 'object' && !Array.isArray(o.access_log)) {
    o.access_log = { ...o.access_log, path: path.join(env.dir, 'access.log') };
  }
  return o;
}

/** Numbers of processes above MAX_PROCESSES come down to it; everything else (negative, strings) stays for validation to judge. */
function clampProcesses(p: Json | undefined): Json {
  if (typeof p === 'number') return p > MAX_PROCESSES ? MAX_PROCESSES : p;
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    const q = { ...p } as Record<string, Json>;
    for (const k of ['max', 'spare']) if (typeof q[k] === 'number' && (q[k] as number) > MAX_PROCESSES) q[k] = MAX_PROCESSES;
    return q;
  }
  return p === undefined ? 1 : p;
}

// ---- Mutations, as data: fast-check shrinks the list and each value.

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'rename'; at: number; key: string }
  | { op: 'duplicate'; at: number }
  | { op: 'truncate'; cut: number };

type Where = { parent: Json[] | Record<string, Json>; key: string | number };

function places(doc: Json): Where[] {
  const out: Where[] = [];
  const visit = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        visit(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v, key: k });
        visit(x);
      }
    }
  };
  visit(doc);
  return out;
}

function containers(doc: Json): Array<Json[] | Record<string, Json>> {
  const out: Array<Json[] | Record<string, Json>> = [];
  const visit = (v: Json): void => {
    if (Array.isArray(v)) {
      out.push(v);
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      out.push(v);
      Object.values(v).forEach(visit);
    }
  };
  visit(doc);
  return out;
}

/** Applies the mutations in order; returns the text to send (truncation makes it invalid JSON). */
function mutate(base: Json, mutations: Mutation[]): { text: string; doc: Json | undefined } {
  let doc = JSON.parse(JSON.stringify(base)) as Json;
  let cut: number | null = null;
  for (const m of mutations) {
    if (m.op === 'truncate') {
      cut = m.cut;
      continue;
    }
    if (m.op === 'add') {
      const all = containers(doc);
      if (!all.length) continue;
      const c = all[m.at % all.length];
      if (Array.isArray(c)) c.push(m.value);
      else c[m.key] = m.value;
      continue;
    }
    const all = places(doc);
    if (!all.length) {
      if (m.op === 'replace') doc = m.value;
      continue;
    }
    const { parent, key } = all[m.at % all.length];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (m.op === 'replace') {
      (parent as Record<string, Json>)[key as string] = m.value;
    } else if (m.op === 'duplicate') {
      if (Array.isArray(parent)) parent.splice(key as number, 0, JSON.parse(JSON.stringify(parent[key as number])) as Json);
    } else if (m.op === 'rename' && !Array.isArray(parent)) {
      const value = parent[key as string];
      delete parent[key as string];
      parent[m.key] = value;
    }
  }
  const text = JSON.stringify(doc);
  if (cut !== null) return { text: text.slice(0, cut % Math.max(1, text.length)), doc: undefined };
  return { text, doc };
}

function mutations(env: Env): fc.Arbitrary<Mutation[]> {
  // Values that mean something to the configuration, beside arbitrary JSON.
  const telling = fc.constantFrom<Json>(
    -1,
    0,
    1,
    2,
    65536,
    1e308,
    0.5,
    '',
    '*',
    '!',
    '~(',
    '$uri',
    '$nope',
    'routes',
    'routes/nope',
    'applications/nope',
    'upstreams/fuzz',
    'http://127.0.0.1:1',
    'unix:/',
    '%2F',
    '127.0.0.1:0',
    'x'.repeat(5000),
    'é✓\u0000',
    null,
    true,
    false,
    [],
    {},
    { return: 200 },
    { pass: 'routes' },
    [{ action: { return: 204 } }],
    { max: 1e9, spare: 1e9 },
    { max: 2, spare: 3 },
  );
  const keys = fc.constantFrom(
    'pass',
    'match',
    'action',
    'return',
    'share',
    'proxy',
    'processes',
    'limits',
    'uri',
    'method',
    'headers',
    'tls',
    'forwarded',
    'fallback',
    'rewrite',
    'response_headers',
    'settings',
    'http',
    'listeners',
    'routes',
    'upstreams',
    'servers',
    'weight',
    'idle_timeout',
    'max',
    'spare',
    'timeout',
    'requests',
    'location',
    'index',
    '',
    'x-fuzz',
    '%2F',
    'applications/x',
    ...env.ports.map((p) => `127.0.0.1:${p}`),
    '127.0.0.1:0',
    '[::1]:1',
    'unix:@',
    '*:99999',
  );
  // Small JSON of every type (fc.jsonValue's long doubles are mostly refused as
  // "number too long", which would drown the other outcomes).
  const leaf: fc.Arbitrary<Json> = fc.oneof(
    fc.integer({ min: -1000, max: 100000 }),
    fc.integer({ min: -4000, max: 4000 }).map((n) => n / 4),
    fc.string({ maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
  );
  const small: fc.Arbitrary<Json> = fc.oneof(
    leaf,
    fc.array(leaf, { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 }),
  );
  const value = fc.oneof(telling, small);
  const at = fc.nat({ max: 10000 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), at, key: keys, value }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), at, key: keys }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), cut: fc.nat({ max: 100000 }) }) },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 });
}

// ---- What a configuration asks for.

function askedProcesses(doc: Json | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const apps = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, Json>).applications : undefined;
  if (!apps || typeof apps !== 'object' || Array.isArray(apps)) return out;
  for (const [name, a] of Object.entries(apps)) {
    const p = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, Json>).processes : undefined;
    const n = typeof p === 'number' ? p : p && typeof p === 'object' && !Array.isArray(p) && typeof p.max === 'number' ? p.max : 1;
    out.set(name, n);
  }
  return out;
}

/** Processes beyond what `doc` asks for: more than one prototype or more than its processes per app, apps it does not have, core processes not exactly one each, zombies. */
function excess(members: Member[], doc: Json | undefined): string[] {
  const asked = askedProcesses(doc);
  const problems: string[] = [];
  const count = (pred: (m: Member) => boolean): number => members.filter(pred).length;
  for (const kind of ['controller', 'router'] as const) {
    const n = count((m) => m.kind === kind);
    if (n !== 1) problems.push(`${n} ${kind} processes`);
  }
  const zombies = count((m) => m.kind === 'zombie');
  if (zombies) problems.push(`${zombies} zombies`);
  const names = new Set(members.filter((m) => m.app !== undefined).map((m) => m.app!));
  for (const name of names) {
    const protos = count((m) => m.kind === 'prototype' && m.app === name);
    const procs = count((m) => m.kind === 'application' && m.app === name);
    if (!asked.has(name)) problems.push(`app "${name}" is not configured but has ${protos} prototypes, ${procs} processes`);
    else if (protos > 1 || procs > asked.get(name)!)
      problems.push(`app "${name}" asks for ${asked.get(name)} processes, has ${protos} prototypes, ${procs} processes`);
  }
  return problems;
}

function answerProblem(status: number, body: unknown, text: string): string | null {
  const b = (body && typeof body === 'object' ? body : {}) as { success?: string; error?: string; detail?: unknown };
  if (/internal error/i.test(text)) return `an internal error: ${status} ${text}`;
  if (status === 200) return b.success === 'Reconfiguration done.' ? null : `200 without success: ${text}`;
  if (status >= 400 && status < 500)
    return typeof b.detail === 'string' && b.detail.length > 0 ? null : `${status} without a detail: ${text}`;
  if (status === 500) {
    return b.error === 'Failed to apply new configuration.' && typeof b.detail === 'string' && b.detail.length > 0
      ? null
      : `500 without a cause: ${text}`;
  }
  return `unexpected status ${status}: ${text}`;
}

// ---- The harness: one weftd, restarted after a failed run so that one failure does not spill into the next.

interface Harness {
  w: Weftd;
  env: Env;
  stats: { runs: number; statuses: Record<string, number>; base: Record<string, number>; details: Record<string, number> };
}

/** Counts refusals by their error and detail (numbers and paths blurred), for the report. */
function note(h: Harness, status: string, text: string): void {
  let key = text;
  try {
    const b = JSON.parse(text) as { error?: string; detail?: string };
    key = `${b.error} ${b.detail ?? ''}`;
  } catch {
    // not JSON
  }
  key = `${status} ${key
    .replace(/\d+/g, 'N')
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 120)}`;
  h.stats.details[key] = (h.stats.details[key] ?? 0) + 1;
}

async function fresh(t: ExecutionContext, h: Harness | null): Promise<Weftd> {
  if (h) await h.w.stop();
  // One router worker: the census counts exactly one (auto would add one per CPU for routed listeners).
  return startWeftd(t, { args: ['--routers', '1'] });
}

async function settleCount(w: Weftd, doc: Json | undefined, exact: boolean): Promise<string[]> {
  const deadline = Date.now() + scaled(5000);
  for (;;) {
    const members = census(w.pid);
    let problems = excess(members, doc);
    if (exact && !problems.length) {
      const apps = members.filter((m) => m.kind === 'prototype' || m.kind === 'application');
      if (apps.length) problems = [`${apps.length} app processes after an empty configuration`];
    }
    if (!problems.length) return [];
    if (Date.now() > deadline) return [...problems, describe(members)];
    await sleep(50);
  }
}

/** One run; returns what went wrong (empty when all holds). */
async function runOnce(h: Harness, entry: number, withApps: boolean, muts: Mutation[]): Promise<string[]> {
  const { w, env } = h;
  const problems: string[] = [];
  const core = (): { controller?: number; router?: number } => {
    const m = census(w.pid);
    return { controller: m.find((x) => x.kind === 'controller')?.pid, router: m.find((x) => x.kind === 'router')?.pid };
  };
  const before = core();
  const base = sanitise(JSON.parse(JSON.stringify(CORPUS[entry].config)) as Json, env, withApps, true);
  const send = async (method: string, at: string, body?: string): Promise<{ status: number; body: unknown; text: string } | null> => {
    try {
      return await control(w.controlPath, method, at, body, 20000);
    } catch (e) {
      problems.push(e instanceof NoAnswer ? `the controller did not answer: ${e.message}` : `control API: ${(e as Error).message}`);
      return null;
    }
  };

  const first = await send('PUT', '/config', JSON.stringify(base));
  if (!first) return problems;
  const current: Json = first.status === 200 ? base : {};
  h.stats.base[first.status] = (h.stats.base[first.status] ?? 0) + 1;
  if (first.status !== 200) note(h, `base ${first.status} (corpus entry "${CORPUS[entry].name}")`, first.text);

  const { text, doc } = mutate(base, muts);
  const mutated = doc === undefined ? undefined : sanitise(doc, env, withApps, false);
  const body = mutated === undefined ? text : JSON.stringify(mutated);
  const r = await send('PUT', '/config', body);
  if (!r) return problems;
  h.stats.statuses[r.status] = (h.stats.statuses[r.status] ?? 0) + 1;
  if (r.status !== 200) note(h, String(r.status), r.text);
  const bad = answerProblem(r.status, r.body, r.text);
  if (bad) problems.push(bad);
  const accepted = r.status === 200;
  const now = accepted ? (mutated as Json) : current;

  const shown = await send('GET', '/config');
  if (shown && JSON.stringify(sortKeys(shown.body)) !== JSON.stringify(sortKeys(now))) {
    problems.push(`GET /config after a ${r.status} shows ${shown.text.slice(0, 500)}, expected ${JSON.stringify(now).slice(0, 500)}`);
  }
  if (accepted) {
    const listeners = now && typeof now === 'object' && !Array.isArray(now) ? (now as Record<string, Json>).listeners : undefined;
    const tcp =
      listeners && typeof listeners === 'object'
        ? Object.keys(listeners)
            .map((k) => /^127\.0\.0\.1:(\d+)$/.exec(k))
            .find((m) => m)
        : undefined;
    if (tcp) {
      const port = Number(tcp[1]);
      const answer = await Promise.race([
        request({ port }, '/').then(
          (a) => `HTTP ${a.status}`,
          (e: Error) => `error ${e.message}`,
        ),
        sleep(scaled(10000)).then(() => 'no answer'),
      ]);
      if (!answer.startsWith('HTTP')) problems.push(`listener 127.0.0.1:${port} of the accepted configuration: ${answer}`);
    }
  }
  problems.push(...(await settleCount(w, now, false)));

  const reset = await send('PUT', '/config', '{}');
  if (reset && reset.status !== 200) problems.push(`PUT {} answered ${reset.status} ${reset.text}`);
  problems.push(...(await settleCount(w, {}, true)));
  const after = core();
  if (after.controller !== before.controller) problems.push(`the controller changed from ${before.controller} to ${after.controller}`);
  if (after.router !== before.router) problems.push(`the router changed from ${before.router} to ${after.router}`);
  return problems;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

async function fuzz(t: ExecutionContext, title: string, runs: number, withApps: boolean): Promise<void> {
  t.timeout(scaled(20 * 60 * 1000));
  const dir = tempDir(t, 'weft-fuzz-');
  const { port: upstream } = await backend(t, (req, res) => res.end('backend'));
  const env: Env = { ports: [await freePort(), await freePort(), await freePort(), await freePort()], backend: upstream, dir };
  const h: Harness = { w: await fresh(t, null), env, stats: { runs: 0, statuses: {}, base: {}, details: {} } };
  let failedOnce = false;
  let failedAt = 0;
  let shrinkSteps = 0;
  const started = Date.now();
  const property = fc.asyncProperty(fc.nat({ max: CORPUS.length - 1 }), mutations(env), async (entry, muts) => {
    // Past the budget, keep the smallest counterexample found so far.
    if (failedOnce && (++shrinkSteps > SHRINK_BUDGET || Date.now() - failedAt > SHRINK_MS)) return true;
    h.stats.runs++;
    const problems = await runOnce(h, entry, withApps, muts);
    if (problems.length) {
      if (!failedOnce) failedAt = Date.now();
      failedOnce = true;
      h.w = await fresh(t, h);
      throw new Error(`corpus entry "${CORPUS[entry].name}", with apps: ${withApps}:\n${problems.join('\n')}`);
    }
  });
  const outcome = await fc.check(property, { numRuns: runs, seed: SEED, endOnFailure: false });
  const seconds = Math.round((Date.now() - started) / 1000);
  const details = Object.fromEntries(
    Object.entries(h.stats.details)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 15),
  );
  const summary = {
    test: title,
    runs: h.stats.runs,
    planned: runs,
    withApps,
    base: h.stats.base,
    statuses: h.stats.statuses,
    details,
    seconds,
    seed: SEED,
    failed: outcome.failed,
    load: machineLoad(),
  };
  t.log(JSON.stringify(summary));
  await report(`fuzz ${withApps ? 'with apps' : 'without apps'}`, summary);
  if (outcome.failed) {
    const shrunk = outcome.counterexample as [number, Mutation[]] | null;
    const [entry, muts] = shrunk ?? [0, []];
    t.log(
      `shrunk counterexample (seed ${SEED}, path ${outcome.counterexamplePath}): corpus entry ${entry} "${CORPUS[entry]?.name}", mutations ${JSON.stringify(muts)}`,
    );
    t.fail(`${fc.defaultReportMessage(outcome)}\n${(outcome.errorInstance as Error | undefined)?.message ?? ''}`);
  } else {
    t.pass();
  }
}

test.serial(`${RUNS} mutated configurations without applications: well-formed answers, a live controller, serving listeners`, async (t) => {
  await fuzz(t, 'without apps', RUNS, false);
});

test.serial(
  `${APP_RUNS} mutated configurations with at most ${MAX_APPS} apps of ${MAX_PROCESSES} processes: never more processes than asked`,
  async (t) => {
    await fuzz(t, 'with apps', APP_RUNS, true);
  },
);
