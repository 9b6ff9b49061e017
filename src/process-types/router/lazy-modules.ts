// Code the router loads only once a configuration uses it: static files
// ("share"), proxying and upstreams, TLS listeners (with Node's tls and
// https). A router whose configuration has none of them (most that sit in
// front of applications) never loads them: ~1 MB less heap, and a start,
// or a respawn after a crash, that much sooner.
/* eslint-disable @typescript-eslint/no-require-imports */

type Share = typeof import('./share/index.js');
type ProxyTargets = typeof import('./proxy/proxy-target.js');
type ProxyRequests = typeof import('./proxy/proxy-request.js');
type Upstreams = typeof import('./proxy/upstream.js');
type TlsListeners = typeof import('./tls/tls-listener.js');
type SessionCache = typeof import('./tls/session-cache.js');

let share: Share | undefined;
let proxyTargets: ProxyTargets | undefined;
let proxyRequests: ProxyRequests | undefined;
let upstreams: Upstreams | undefined;
let tlsListeners: TlsListeners | undefined;
let sessionCache: SessionCache | undefined;
let tls: typeof import('node:tls') | undefined;
let https: typeof import('node:https') | undefined;

export const shareCode = (): Share => (share ??= require('./share/index.js') as Share);
export const proxyTargetCode = (): ProxyTargets => (proxyTargets ??= require('./proxy/proxy-target.js') as ProxyTargets);
export const proxyRequestCode = (): ProxyRequests => (proxyRequests ??= require('./proxy/proxy-request.js') as ProxyRequests);
export const upstreamCode = (): Upstreams => (upstreams ??= require('./proxy/upstream.js') as Upstreams);
export const tlsListenerCode = (): TlsListeners => (tlsListeners ??= require('./tls/tls-listener.js') as TlsListeners);
export const sessionCacheCode = (): SessionCache => (sessionCache ??= require('./tls/session-cache.js') as SessionCache);
export const nodeTls = (): typeof import('node:tls') => (tls ??= require('node:tls') as typeof import('node:tls'));
export const nodeHttps = (): typeof import('node:https') => (https ??= require('node:https') as typeof import('node:https'));
