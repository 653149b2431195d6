import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const activityPackages = ['@anneal/dataset', '@anneal/models', '@anneal/train', '@anneal/evaluate', '@anneal/tracking', '@anneal/registry', '@anneal/cli'];
const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'stream',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.venv/**',
      '.venv-bench/**',
      '.venv-bench-dataset/**',
      '.venv-bench-tune/**',
      '.venv-deploy/**',
      '.anneal/**',
      'coverage/**',
      '.nx/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules: a promise nobody awaits loses its error; a type-only import must not load a module at run time.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json', './packages/*/tsconfig.json', './workflows/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflow code must stay deterministic and bundle for the workflow sandbox:
    // no Node modules, no tfjs, and activity packages only as `import type`.
    files: ['workflows/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...activityPackages.map((name) => ({ name, allowTypeImports: true, message: 'workflows may only `import type` from activity packages' })),
            ...nodeBuiltins.map((name) => ({ name, message: 'no Node modules in workflow code' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'no Node modules in workflow code' },
            { group: ['@tensorflow/*'], message: 'no tfjs in workflow code: training runs in activities' },
            { group: ['../../packages/*', '../packages/*'], message: 'import packages by name, not by relative path' },
          ],
        },
      ],
    },
  },
  {
    // The MLflow UI check runs in Node and, inside page.evaluate, in the browser.
    files: ['deploy/ui/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
