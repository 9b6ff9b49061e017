// bench/routes: route matches per second for a realistic 20-step route
// table, Weft's compiled routes against two regular-expression matchers
// that read the same configuration: one that builds its expressions per
// request (the naive baseline), one that caches them. Every contender gets
// a fresh request object per match, so lazy parsing is paid each time.
// Interleaved rounds, medians.
//
//   node dist/bench/routes/run.js [--rounds 7] [--seconds 0.5]
import { parseArgs } from 'node:util';

import { compileRoutes, normalizeHost, parseRequestTarget, RouteRequest } from '../../src/request/routing/index.js';
import { formatTable, median } from '../lib/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '0.5' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

type Match = Record<string, unknown>;

const ROUTES: Array<{ match?: Match; action: Record<string, unknown> }> = [
  { match: { host: 'admin.example.com', source: ['10.0.0.0/8', '192.168.0.0/16'] }, action: { pass: 'applications/admin' } },
  { match: { host: 'admin.example.com' }, action: { return: 403 } },
  { match: { uri: '/healthz', method: 'GET' }, action: { return: 200 } },
  { match: { uri: ['/static/*', '!*.map'] }, action: { share: '/srv/www$uri' } },
  { match: { uri: '*.php', method: ['GET', 'POST'] }, action: { pass: 'applications/php' } },
  { match: { uri: '/api/v1/*', headers: { authorization: 'Bearer *' } }, action: { pass: 'applications/api' } },
  { match: { uri: '/api/v1/*' }, action: { return: 401 } },
  { match: { uri: '/api/v2/*', method: ['GET', 'HEAD'], arguments: { format: ['json', 'xml'] } }, action: { pass: 'applications/api2' } },
  { match: { uri: '/api/v2/*' }, action: { return: 400 } },
  { match: { uri: '~^/users/[0-9]+/profile$' }, action: { pass: 'applications/users' } },
  { match: { uri: '/images/*', headers: { accept: '*image/webp*' } }, action: { share: '/srv/webp$uri' } },
  { match: { uri: '/images/*' }, action: { share: '/srv/img$uri' } },
  { match: { cookies: { session: '*' }, uri: '/account/*' }, action: { pass: 'applications/account' } },
  { match: { uri: '/account/*' }, action: { return: 302, location: '/login' } },
  { match: { scheme: 'http', uri: '/checkout/*' }, action: { return: 301, location: 'https://example.com$uri' } },
  { match: { uri: '/checkout/*' }, action: { pass: 'applications/shop' } },
  { match: { host: ['*.example.com', 'example.com'], uri: '/blog/*' }, action: { pass: 'applications/blog' } },
  { match: { query: '*utm_*', uri: '/landing*' }, action: { pass: 'applications/landing' } },
  { match: { headers: { 'user-agent': ['*bot*', '*crawler*', '*spider*'] } }, action: { return: 403 } },
  { action: { pass: 'applications/app' } },
];

interface Sample {
  target: string;
  host: string;
  tls?: boolean;
  headers?: string[];
  remote?: string;
  expect: number;
}

const UA = ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'];
const SAMPLES: Sample[] = [
  { target: '/', host: 'example.com', tls: true, headers: UA, expect: 19 },
  { target: '/static/app.js', host: 'example.com', headers: UA, expect: 3 },
  { target: '/index.php?page=2', host: 'example.com', headers: UA, expect: 4 },
  { target: '/api/v1/users', host: 'api.example.com', headers: [...UA, 'Authorization', 'Bearer abc.def'], expect: 5 },
  { target: '/api/v2/items?format=json&limit=10', host: 'api.example.com', headers: UA, expect: 7 },
  { target: '/users/42/profile', host: 'example.com', headers: UA, expect: 9 },
  { target: '/images/a.png', host: 'example.com', headers: [...UA, 'Accept', 'image/avif,image/webp,*/*'], expect: 10 },
  { target: '/account/settings', host: 'example.com', tls: true, headers: [...UA, 'Cookie', 'theme=dark; session=abc123'], expect: 12 },
  { target: '/blog/2026/routing', host: 'www.example.com', tls: true, headers: UA, expect: 16 },
  { target: '/landing?utm_source=mail&utm_campaign=x', host: 'example.com', headers: UA, expect: 17 },
  { target: '/', host: 'example.com', headers: ['User-Agent', 'Googlebot/2.1 (+http://www.google.com/bot.html)'], expect: 18 },
  { target: '/dashboard', host: 'admin.example.com', tls: true, headers: UA, remote: '10.1.2.3', expect: 0 },
];

interface Prepared {
  method: string;
  tls: boolean;
  host: string;
  path: string;
  query: string;
  rawHeaders: string[];
  remote: { address: string; port: number };
  expect: number;
}

const PREPARED: Prepared[] = SAMPLES.map((s) => {
  const target = parseRequestTarget(s.target);
  if (!target.ok) throw new Error(target.reason);
  return {
    method: 'GET',
    tls: s.tls ?? false,
    host: normalizeHost(s.host) ?? '',
    path: target.path,
    query: target.query,
    rawHeaders: ['Host', s.host, ...(s.headers ?? [])],
    remote: { address: s.remote ?? '203.0.113.9', port: 50000 },
    expect: s.expect,
  };
});

type Matcher = (p: Prepared) => number;

// --- Weft: compiled once.
const compiled = compileRoutes(ROUTES);
const LOCAL = { address: '10.0.0.2', port: 443 };
const weft: Matcher = (p) => {
  // As the router builds it: one literal of a fixed shape per request.
  const req = new RouteRequest({
    method: p.method,
    tls: p.tls,
    host: p.host,
    path: p.path,
    query: p.query,
    rawHeaders: p.rawHeaders,
    remote: p.remote,
    local: LOCAL,
  });
  const m = compiled.match(undefined, req);
  return m.matched ? m.index : -1;
};

// --- The regex matchers: read the configuration on every request, turning
// each pattern into a RegExp (built afresh, or looked up in a cache).
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function regexMatcher(cache: boolean): Matcher {
  const memo = new Map<string, RegExp>();
  const regex = (pattern: string, flags: string): RegExp => {
    const key = flags + pattern;
    let re = cache ? memo.get(key) : undefined;
    if (re === undefined) {
      re = pattern.startsWith('~') ? new RegExp(pattern.slice(1)) : new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`, flags);
      if (cache) memo.set(key, re);
    }
    return re;
  };
  const test = (patterns: unknown, value: string, flags = ''): boolean => {
    const list = (Array.isArray(patterns) ? patterns : [patterns]) as string[];
    let positive = false;
    let sawPositive = false;
    for (const p of list) {
      if (p.startsWith('!')) {
        if (regex(p.slice(1), flags).test(value)) return false;
      } else {
        sawPositive = true;
        positive ||= regex(p, flags).test(value);
      }
    }
    return positive || !sawPositive;
  };
  const inCidr = (address: string, cidr: string): boolean => {
    const [net, bits] = cidr.split('/');
    const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return (toInt(address) & mask) >>> 0 === (toInt(net) & mask) >>> 0;
  };
  return (p) => {
    const headers = new Map<string, string>();
    for (let i = 0; i < p.rawHeaders.length; i += 2) headers.set(p.rawHeaders[i].toLowerCase(), p.rawHeaders[i + 1]);
    const args = new URLSearchParams(p.query);
    const cookies = new Map((headers.get('cookie') ?? '').split(';').map((c) => c.trim().split('=') as [string, string]));
    for (let i = 0; i < ROUTES.length; i++) {
      const m = ROUTES[i].match;
      if (m === undefined) return i;
      let ok = true;
      for (const [key, value] of Object.entries(m)) {
        if (key === 'method') ok = test(value, p.method);
        else if (key === 'scheme') ok = (value === 'https') === p.tls;
        else if (key === 'host') ok = test(value, p.host, 'i');
        else if (key === 'uri') ok = test(value, p.path);
        else if (key === 'query') ok = test(value, decodeURIComponent(p.query.replace(/\+/g, ' ')));
        else if (key === 'source') ok = (value as string[]).some((c) => inCidr(p.remote.address, c));
        else if (key === 'headers') ok = Object.entries(value as Match).every(([n, v]) => headers.has(n) && test(v, headers.get(n)!, 'i'));
        else if (key === 'arguments') ok = Object.entries(value as Match).every(([n, v]) => args.has(n) && test(v, args.get(n)!));
        else if (key === 'cookies') ok = Object.entries(value as Match).every(([n, v]) => cookies.has(n) && test(v, cookies.get(n)!));
        if (!ok) break;
      }
      if (ok) return i;
    }
    return -1;
  };
}

const contenders: Record<string, Matcher> = {
  'regex per request (naive)': regexMatcher(false),
  'regex, cached': regexMatcher(true),
  'weft compiled routes': weft,
};

for (const [name, matcher] of Object.entries(contenders)) {
  for (const p of PREPARED) {
    const got = matcher(p);
    if (got !== p.expect) throw new Error(`${name} matched ${p.path} to step ${got}, expected ${p.expect}`);
  }
}

function measure(matcher: Matcher): number {
  let count = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  for (;;) {
    for (let k = 0; k < 100; k++) for (let i = 0; i < PREPARED.length; i++) sink += matcher(PREPARED[i]);
    count += 100 * PREPARED.length;
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= budget) {
      if (sink < 0) console.log(sink);
      return count / (Number(elapsed) / 1e9);
    }
  }
}

const results: Record<string, number[]> = {};
for (const name of Object.keys(contenders)) results[name] = [];
// Warm-up, then interleaved rounds so a noisy machine hits every contender alike.
for (const matcher of Object.values(contenders)) measure(matcher);
for (let r = 0; r < rounds; r++) {
  for (const [name, matcher] of Object.entries(contenders)) results[name].push(measure(matcher));
}
const base = median(results['regex per request (naive)']);
console.log(
  formatTable(
    ['matcher', 'matches/s (median)', 'ratio', 'ns/match'],
    Object.entries(results).map(([name, rates]) => [
      name,
      Math.round(median(rates)),
      (median(rates) / base).toFixed(1),
      Math.round(1e9 / median(rates)),
    ]),
  ),
);
console.log(
  `\n20-step route table, ${PREPARED.length} requests in rotation (first-step to fall-through), ${rounds} rounds of ${seconds}s, Node ${process.version}`,
);
