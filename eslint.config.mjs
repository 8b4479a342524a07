// Lint rules the project relies on: promises are never dropped, type-only imports stay type-only
// (workflow bundles must not pull activity code), no import cycles, and workflow code cannot reach
// Node built-ins (they are non-deterministic or refused by the sandbox).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', 'bin/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
      // Activities keep an async signature even when today's implementation needs no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/cli/**', 'src/client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow and domain code must stay sandbox-safe: no Node built-ins.',
          })),
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'workers/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The CLI loads what a command needs when it runs, with require (see src/cli/main.ts), so
    // `countersign --help` stays fast.
    files: ['src/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The governor and ledger workflows load their modules when they start, so that a change does
    // not build their schemas (see workflows/index.ts).
    files: ['workflows/index.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The policy parser loads at its first use, so a command that reads a parsed policy does not
    // build the policy schema (see activities/policy/lazy-parse.ts).
    files: ['activities/policy/lazy-parse.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
