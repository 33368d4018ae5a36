/** Jest runs the TypeScript sources through SWC (no type check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/global-setup.js',
  // Loopback only: a test that would reach the internet fails instead (nock.disableNetConnect).
  setupFilesAfterEnv: ['<rootDir>/test/setup/no-network.ts'],
  watchman: false,
};
