// Lint: ESLint's and typescript-eslint's recommended rules, clean in CI
// (npm run lint, part of npm test). Type-aware rules are left out: they
// would double the suite's start-up for little gain over tsc --strict.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Fixtures that are broken on purpose (an app with a syntax error).
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'test/fixtures/apps/syntax-error.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Byte ranges such as /^[\x00-\x7f]*$/ are what HTTP parsing is about.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Apps and fixtures that run as plain CommonJS Node programs.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
