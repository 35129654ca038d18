// Finds out once per test run whether WebGPU has an adapter here, for @geoparam/test-utils'
// describeEachBackend and the webgpu backend's own tests. Finding an adapter is asynchronous and
// jest plans suites synchronously, so the answer travels through the environment to every test
// file and worker — and so does the Vulkan driver found, since a test file's process.env is a
// copy that native code (Dawn) never sees.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PROBE_ENV = 'GEOPARAM_WEBGPU_PROBE';
const backendDir = path.join(__dirname, 'packages/backend-webgpu');
const SCRIPT = `require('@geoparam/backend-webgpu').loadWebGPU().then(
  (s) => { process.stdout.write(JSON.stringify({ available: true, adapter: [s.vendor, s.architecture, s.description].filter(Boolean).join(' '), software: s.software, driver: s.driver, icd: process.env.VK_ICD_FILENAMES || null })); process.exit(0); },
  (e) => { process.stdout.write(JSON.stringify({ available: false, reason: e.message })); process.exit(0); })`;

function probe() {
  if (!fs.existsSync(path.join(backendDir, 'dist/index.js'))) return { available: false, reason: '@geoparam/backend-webgpu is not built' };
  try {
    // Dawn prints its rejected Vulkan drivers (e.g. Mesa lavapipe) on stderr: not the tests' business.
    const out = execFileSync(process.execPath, ['-e', SCRIPT], { cwd: backendDir, encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'ignore'] });
    return JSON.parse(out);
  } catch (error) {
    return { available: false, reason: `the WebGPU probe failed: ${String(error.message).split('\n')[0]}` };
  }
}

module.exports = async function globalSetup(_globalConfig, projectConfig) {
  if (process.env[PROBE_ENV]) return;
  const requested = process.env.GEOPARAM_TEST_BACKENDS;
  if (requested && !requested.split(',').map((s) => s.trim()).includes('webgpu')) return;
  const manifest = JSON.parse(fs.readFileSync(path.join(projectConfig.rootDir, 'package.json'), 'utf8'));
  const deps = { ...manifest.dependencies, ...manifest.devDependencies };
  if (!['@geoparam/test-utils', '@geoparam/backend-webgpu'].some((name) => name === manifest.name || name in deps)) return;
  const { icd, ...result } = probe();
  if (result.available && icd) process.env.VK_ICD_FILENAMES = icd;
  process.env[PROBE_ENV] = JSON.stringify(result);
};
