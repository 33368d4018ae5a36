// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** What the pure core may not import: I/O, drivers, frameworks, vendor SDKs. */
const CORE_FORBIDDEN = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'path', 'node:path', 'http', 'node:http',
  'https', 'node:https', 'net', 'node:net', 'child_process', 'node:child_process', 'os', 'node:os',
  'express', 'axios', 'kysely', 'better-sqlite3', 'pg', 'pg-boss', 'winston', 'node-cron',
  'commander', 'nock', 'jose',
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'manifest/amocrm/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // STYLE.md rule 1: src/core is pure. No I/O, no vendor types, no process.env.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: CORE_FORBIDDEN.map((name) => ({ name, message: 'src/core is pure: no I/O, drivers, frameworks or SDKs.' })),
        patterns: [
          { group: ['@bitrix24/*', '../connectors/*', '../storage/*', '../http/*', '../jobs/*', '../app/*', '../../*'], message: 'src/core depends on nothing outside itself.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core never reads the process (env, argv, exit).' }],
    },
  },
  {
    // DESIGN.md: src/app and src/http see CRMs only through the port (src/core/ports/crm-connector.port.ts);
    // and no product code loads the sandboxes (faker, the emulators): only `kam sandbox` and
    // `kam demo` do, lazily, by require() inside the command (type-only imports are erased).
    files: ['src/app/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/connectors/bitrix24', '**/connectors/bitrix24/**', '**/connectors/amocrm', '**/connectors/amocrm/**'], message: 'src/app and src/http see a CRM only through the CrmConnector port; the composition root (src/main.ts) wires the connectors.' },
          { group: ['**/sandbox', '**/sandbox/**'], allowTypeImports: true, message: 'The sandboxes are loaded only by `kam sandbox` and `kam demo`, lazily.' },
        ],
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**/*.ts', 'src/app/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/sandbox', '**/sandbox/**'], allowTypeImports: true, message: 'The sandboxes are loaded only by `kam sandbox` and `kam demo`, lazily (require inside the command).' }],
      }],
    },
  },
  {
    // The installation state machine is the only way a status changes (src/app/installation).
    files: ['src/**/*.ts'],
    ignores: ['src/app/installation/installation-lifecycle.ts', 'src/storage/**/*.ts', 'src/connectors/shared/token-manager.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name='setStatus']",
        message: 'Change an installation\'s status through the lifecycle (markActive / markBlocked / markDeleted), which refuses illegal moves.',
      }],
    },
  },
  {
    // Only src/config.ts reads the environment (STYLE.md rule 7).
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings from the parsed config (src/config.ts).' }],
    },
  },
);
