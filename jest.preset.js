// Shared jest settings: TypeScript through swc, workspace packages resolved to their sources
// so a test never runs against a stale build.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        // Keep import() native so ESM-only libraries (vega) load through Node.
        module: { type: 'commonjs', ignoreDynamic: true },
      },
    ],
  },
  moduleNameMapper: {
    '^@geoparam/([a-z0-9-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@geoparam/([a-z0-9-]+)/register$': path.join(__dirname, 'packages/$1/src/register.ts'),
    '^@geoparam/([a-z0-9-]+)/node$': path.join(__dirname, 'packages/$1/src/node/index.ts'),
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: path.join(__dirname, 'jest.global-setup.js'),
  testTimeout: 60000,
  // Dawn's native WebGPU instance (the webgpu suites) keeps Node's event loop alive after the last
  // test, and jest would wait for it forever; leaks are checked per test with tf.memory() instead.
  forceExit: true,
};
