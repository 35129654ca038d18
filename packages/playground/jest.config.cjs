module.exports = { ...require('../../jest.preset.js'), rootDir: __dirname, displayName: 'playground', testTimeout: 180000 };
