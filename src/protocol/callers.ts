// Who may call each method, by the caller's process type. A process knows
// the type of every peer from its channel (main set it when it made the
// channel; a message cannot claim another), so this is enforced where the
// method is served (kernel/ports/port.ts). It matters because application
// processes run user code with their channels in reach: without it, an app
// could ask main (root) to open any file for it ("main.open-log"), bind any
// port, read the TLS keys, or hand the router a configuration of its own.
// Methods absent here (the kernel's own, test process types') are open.
export const METHOD_CALLERS: Readonly<Record<string, readonly string[]>> = {
  // main's: from the controller
  'main.conf-get': ['controller'],
  'main.conf-store': ['controller'],
  'main.conf-applied': ['controller'],
  'main.router-listeners': ['controller'],
  'main.control-socket': ['controller'],
  'main.reconfiguring': ['controller'],
  'main.cert-list': ['controller'],
  'main.cert-store': ['controller'],
  'main.cert-delete': ['controller'],
  'main.app-restart': ['controller'],
  'main.apps-status': ['controller'],
  'main.apps-metrics': ['controller'],
  // main's: from the routers (the controller binds the sockets of Weft's own endpoints)
  'main.listen': ['router', 'controller'],
  'main.listen-release': ['router'],
  'main.open-log': ['router'],
  'main.cert-get': ['router'],
  'main.apps-prepare': ['router'],
  'main.apps-commit': ['router'],
  'main.apps-abandon': ['router'],
  'main.app-demand': ['router'],
  'main.app-timeout': ['router', 'application'],
  // main's: from discovery, prototypes and application processes
  'main.modules': ['discovery'],
  'main.app-exited': ['prototype'],
  'main.app-ready': ['application'],
  'main.app-failed': ['application'],
  'main.app-load': ['application'],
  'main.app-retire': ['application'],
  'main.app-metrics-final': ['application'],
  // the controller's
  'controller.modules': ['main'],
  // a router's
  'router.prepare': ['controller'],
  'router.commit': ['controller'],
  'router.abandon': ['controller'],
  'router.status': ['controller'],
  'router.metrics': ['controller'],
  'router.drain': ['main'],
  'router.reopen-logs': ['main'],
  'router.app-process': ['main'],
  'router.app-state': ['main'],
  'router.app-failing': ['main'],
  'router.relay': ['application'],
  'router.take-back': ['application'],
  // a prototype's
  'prototype.spawn': ['main'],
  'prototype.kill': ['main'],
  // an application process's
  'app.serve': ['main'],
  'app.stop': ['main'],
  'app.metrics': ['main'],
  'app.access-log': ['main'],
  'app.router-retiring': ['main'],
  'app.adopt': ['router'],
  'app.counters': ['router'],
  'app.take-connection': ['router'],
};
