// The cross-checks, in the order they run; validation reports the first
// problem found. Roughly the order of the document (settings, listeners,
// routes, applications, upstreams), each rule over the whole of it.
import { checkAddressPatterns } from './address-patterns.js';
import { checkCertificates } from './certificates.js';
import { checkCgroupPaths } from './cgroup-paths.js';
import type { Check } from './check.js';
import { checkHttpSettings } from './http-settings.js';
import { checkIsolation } from './isolation.js';
import { checkListenerAddresses } from './listener-addresses.js';
import { checkMatchPatterns } from './match-patterns.js';
import { checkMimeTypes } from './mime-types.js';
import { checkPassTargets } from './pass-targets.js';
import { checkProcesses } from './processes.js';
import { checkProxyAddresses } from './proxy-addresses.js';
import { checkTemplates } from './templates.js';
import { checkTlsConfCommands } from './tls-conf-commands.js';
import { checkTlsTickets } from './tls-tickets.js';
import { checkUpstreamServers } from './upstream-servers.js';
import { checkWeftSettings } from './weft-settings.js';

export type { Check } from './check.js';

export const CHECKS: ReadonlyArray<{ name: string; check: Check }> = [
  { name: 'mime-types', check: checkMimeTypes },
  { name: 'listener-addresses', check: checkListenerAddresses },
  { name: 'weft-settings', check: checkWeftSettings },
  { name: 'http-settings', check: checkHttpSettings },
  { name: 'certificates', check: checkCertificates },
  { name: 'tls-tickets', check: checkTlsTickets },
  { name: 'tls-conf-commands', check: checkTlsConfCommands },
  { name: 'address-patterns', check: checkAddressPatterns },
  { name: 'match-patterns', check: checkMatchPatterns },
  { name: 'templates', check: checkTemplates },
  { name: 'pass-targets', check: checkPassTargets },
  { name: 'proxy-addresses', check: checkProxyAddresses },
  { name: 'processes', check: checkProcesses },
  { name: 'cgroup-paths', check: checkCgroupPaths },
  { name: 'isolation', check: checkIsolation },
  { name: 'upstream-servers', check: checkUpstreamServers },
];
