// Installs the packed tarballs with plain npm into a scratch project outside the workspace and
// trains nothing, but runs one forward pass and one gradient, from CommonJS and from ESM. This is
// what a user gets from the registry: only the files in the tarballs, real version ranges, and
// tfjs-core as a peer installed by the user.
import fs from 'node:fs';
import path from 'node:path';
import { TFJS_VERSION, WORKSPACE_ROOT, describeRun, makeTempDir, removeTempDir, run, scratchProject } from './helpers/workspace';

jest.setTimeout(180_000);

const INSTALLED = ['@geoparam/core', '@geoparam/parameterizations', '@geoparam/backend-cpu'];

interface SmokeResult {
  flavor: 'cjs' | 'esm';
  backend: string;
  report: { name: string; tfjsName: string };
  resolved: { core: string; tfjsCore: string };
  output: { shape: number[]; values: number[] };
  loss: number;
  variables: { name: string; shape: number[] }[];
  grads: { name: string; shape?: number[]; values?: number[]; missing?: true }[];
}

let tmp: string | undefined;
let app: string | undefined;
let installError: Error | undefined;

beforeAll(async () => {
  tmp = makeTempDir('install');
  try {
    const dir = path.join(tmp, 'app');
    await scratchProject(dir, INSTALLED, { '@tensorflow/tfjs-core': TFJS_VERSION }, { fixtures: { 'smoke.cjs': 'smoke.cjs', 'smoke.mjs': 'smoke.mjs' }, timeoutMs: 150_000 });
    app = dir;
  } catch (error) {
    installError = error instanceof Error ? error : new Error(String(error));
  }
});

afterAll(() => removeTempDir(tmp));

function scratchApp(): string {
  if (installError) throw installError;
  if (!app) throw new Error('the scratch project was not set up');
  return app;
}

/** Every installed copy of a package in the scratch project (nested ones included). */
function installedCopies(root: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string) => {
    if (!fs.existsSync(nodeModules)) return;
    const candidate = path.join(nodeModules, name, 'package.json');
    if (fs.existsSync(candidate)) found.push(path.relative(root, path.dirname(candidate)));
    for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin') continue;
      const dirs = entry.name.startsWith('@')
        ? fs.readdirSync(path.join(nodeModules, entry.name)).map((sub) => path.join(nodeModules, entry.name, sub))
        : [path.join(nodeModules, entry.name)];
      for (const dir of dirs) visit(path.join(dir, 'node_modules'));
    }
  };
  visit(path.join(root, 'node_modules'));
  return found;
}

async function runSmoke(script: string): Promise<SmokeResult> {
  const cwd = scratchApp();
  const result = await run(process.execPath, [script], { cwd, timeoutMs: 120_000 });
  const line = result.stdout.split('\n').find((l) => l.startsWith('RELEASE_CHECK_RESULT '));
  if (result.code !== 0 || !line) throw new Error(`${script} failed in the scratch install:\n${describeRun(result)}`);
  return JSON.parse(line.slice('RELEASE_CHECK_RESULT '.length)) as SmokeResult;
}

function expectSmokeResult(result: SmokeResult): void {
  const context = JSON.stringify(result, null, 2);
  try {
    expect(result.backend).toBe('cpu');
    expect(result.report.name).toBe('cpu');
    // Loaded from the scratch install, not from the workspace.
    expect(result.resolved.core).toContain(`node_modules${path.sep}@geoparam${path.sep}core`);
    expect(result.resolved.core).not.toContain(WORKSPACE_ROOT);
    expect(result.output.shape).toEqual([2, 4]);
    expect(result.output.values).toHaveLength(8);
    expect(result.output.values.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.variables.length).toBeGreaterThan(0);
    for (const [i, grad] of result.grads.entries()) {
      expect(grad.missing).toBeUndefined();
      expect(grad.shape).toEqual(result.variables[i]!.shape);
      expect(grad.values!.every(Number.isFinite)).toBe(true);
    }
    // A real gradient, not zeros from a disconnected graph.
    expect(result.grads.some((g) => g.values!.some((v) => v !== 0))).toBe(true);
  } catch (error) {
    throw new Error(`${result.flavor} smoke result is wrong: ${(error as Error).message}\nfull result:\n${context}`);
  }
}

test('the tarballs install with npm, with a single copy of tfjs-core', () => {
  const root = scratchApp();
  for (const name of [...INSTALLED, '@tensorflow/tfjs-backend-cpu']) {
    expect(fs.existsSync(path.join(root, 'node_modules', name, 'package.json'))).toBe(true);
  }
  // Two copies would mean two tfjs engines: backends and gradients registered on the wrong one.
  expect(installedCopies(root, '@tensorflow/tfjs-core')).toEqual([path.join('node_modules', '@tensorflow', 'tfjs-core')]);
  // The gradient bundle ships in @geoparam/core's tarball.
  expect(fs.existsSync(path.join(root, 'node_modules/@geoparam/core/gradients/tfjs-gradients.cjs'))).toBe(true);
});

let cjs: SmokeResult | undefined;

test('CommonJS: require, forward pass and variableGrads on the cpu backend', async () => {
  cjs = await runSmoke('smoke.cjs');
  expectSmokeResult(cjs);
});

test('ESM: import of the CommonJS packages, forward pass and variableGrads', async () => {
  const esm = await runSmoke('smoke.mjs');
  expectSmokeResult(esm);
  if (cjs) {
    // Same seed, same input: ESM and CJS must load the same code and agree.
    expect(esm.output.values).toEqual(cjs.output.values);
  }
});
