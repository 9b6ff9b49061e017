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
      comment: "A process type reaches another only through that one's contract (its protocol.ts).",
      from: { path: '^src/plugins/([^/]+)/' },
      to: { path: '^src/plugins/([^/]+)/', pathNot: ['^src/plugins/$1/', '^src/plugins/[^/]+/protocol\\.ts$'] },
    },
    {
      name: 'app-runtime-is-small',
      severity: 'error',
      comment:
        "The runtime loaded into users' app processes imports only itself, the application contract, the error catalogue and the Node internals catalogue (types aside).",
      from: { path: '^src/plugins/application/runtime/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/plugins/application/runtime/',
          '^src/plugins/application/protocol\\.ts$',
          '^src/errors\\.ts$',
          '^src/node-internals/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'libraries-below-process-types',
      severity: 'error',
      comment: 'Shared libraries (request engine, transport, metrics, config, isolation) never import a process type.',
      from: { path: '^src/(request|transport|metrics|config|isolation|tls|native|health)/' },
      to: { path: '^src/plugins/', pathNot: ['^src/plugins/[^/]+/protocol\\.ts$'] },
    },
    {
      name: 'app-types-use-the-plugin-api',
      severity: 'error',
      comment: 'Application plugins (plugins/) see Weft through the plugin API and the application contract only.',
      from: { path: '^plugins/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/plugins/application/plugin-api\\.ts$',
          '^src/plugins/application/protocol\\.ts$',
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
