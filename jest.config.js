// One jest run for the whole monorepo: `unit` needs nothing running; `integration` gets a real Temporal dev server
// and a real MLflow server, started once per run by test/integration/global-setup.ts on free loopback ports.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const moduleNameMapper = {
  '^@anneal/workflows$': '<rootDir>/workflows/src/index.ts',
  '^@anneal/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
};
const common = { rootDir: __dirname, transform, moduleNameMapper, testEnvironment: '<rootDir>/test/shared-realm-environment.js' };

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/workflows/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/packages/*/src/**/*.int.test.ts', '<rootDir>/workflows/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      slowTestThreshold: 120,
    },
  ],
  // Integration suites share one Temporal server and train models: one at a time suits 2 cores.
  maxWorkers: 1,
};
