// The architecture, checked on every `npm test` (npm run lint:deps): who may
// import whom. Type-only imports count too, except where a rule says.
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, at run time or through types.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'kernel-stands-alone',
      severity: 'error',
      comment: 'The kernel knows nothing of process types, the request engine or configuration: only itself, errors and the native layer.',
      from: { path: '^src/kernel/' },
      to: {
        path: '^src/',
        pathNot: ['^src/kernel/', '^src/errors\\.ts$', '^src/native/', '^src/node-internals/', '^src/paths\\.ts$', '^src/version\\.ts$'],
      },
    },
    {
      name: 'node-internals-is-a-leaf',
      severity: 'error',
      comment:
        'The Node internals catalogue (one place for every Node internal Weft touches, with its probe) sits below everything, like native/: only itself, errors and native.',
      from: { path: '^src/node-internals/' },
      to: { path: '^src/', pathNot: ['^src/node-internals/', '^src/errors\\.ts$', '^src/native/'] },
    },
    {
      name: 'process-types-apart',
      severity: 'error',
      comment: 'A process type never imports another: they meet in the contracts (src/protocol/).',
      from: { path: '^src/process-types/([^/]+)/' },
      to: { path: '^src/process-types/([^/]+)/', pathNot: ['^src/process-types/$1/'] },
    },
    {
      name: 'contracts-are-a-layer',
      severity: 'error',
      comment: 'The contracts between processes (src/protocol/) name data and methods, never a process type or the app runtime.',
      from: { path: '^src/protocol/' },
      to: { path: '^src/(process-types|app-runtime)/' },
    },
    {
      name: 'process-types-leave-app-runtime-alone',
      severity: 'error',
      comment: "What runs inside users' app processes (src/app-runtime/) is started by path, never imported by a process type.",
      from: { path: '^src/process-types/' },
      to: { path: '^src/app-runtime/' },
    },
    {
      name: 'app-runtime-sees-contracts',
      severity: 'error',
      comment: "Code in users' app processes reaches process types only through the contracts (src/protocol/).",
      from: { path: '^src/app-runtime/' },
      to: { path: '^src/process-types/' },
    },
    {
      name: 'app-host-is-small',
      severity: 'error',
      comment:
        "The host preloaded around users' app code imports only itself, the application contract, the error catalogue, the Node internals catalogue, where Weft's files are and the drain's idle sweep (a module of no imports, shared with the router) (types aside).",
      from: { path: '^src/app-runtime/host/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/app-runtime/host/',
          '^src/protocol/application\\.ts$',
          '^src/errors\\.ts$',
          '^src/node-internals/',
          '^src/paths\\.ts$',
          '^src/request/idle-sweep\\.ts$',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'libraries-below-process-types',
      severity: 'error',
      comment: 'Shared libraries (request engine, transport, metrics, config, isolation) never import a process type or the app runtime.',
      from: { path: '^src/(request|transport|metrics|config|isolation|tls|native|health)/' },
      to: { path: '^src/(process-types|app-runtime)/' },
    },
    {
      name: 'app-types-use-the-plugin-api',
      severity: 'error',
      comment: 'Application plugins (plugins/) see Weft through the plugin API and the application contract only.',
      from: { path: '^plugins/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/protocol/plugin-api\\.ts$',
          '^src/protocol/application\\.ts$',
          '^src/protocol/discovery\\.ts$',
          '^src/errors\\.ts$',
          '^src/transport/frames/',
          '^src/config/types\\.ts$',
        ],
      },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules)/' },
  },
};
