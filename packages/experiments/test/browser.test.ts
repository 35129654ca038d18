// The browser entry (export condition `browser`) bundles for a page: nothing under it, this
// package's code or the packages below, reaches a Node built-in.
import path from 'node:path';
import { bundleForBrowser } from '@geoparam/test-utils/browser';

const src = path.join(__dirname, '..', 'src');
const packages = path.join(__dirname, '..', '..');
const relative = (nodeImports: Record<string, string[]>) => Object.keys(nodeImports).map((file) => path.relative(packages, path.resolve(file)));

describe('@geoparam/experiments in a browser bundle', () => {
  it('bundles the browser entry without the process pool, the queue or any Node built-in', async () => {
    const { script, nodeImports } = await bundleForBrowser(path.join(src, 'browser.ts'));
    for (const used of ['function levyTrainSpec', 'function bananaTrainSpec', 'function buildStudyModel', 'function describeSample', 'MLP_METHODS']) expect(script).toContain(used);
    for (const nodeOnly of ['bullmq', 'ioredis', 'class ProcessPool', 'class Journal', 'function prepareData']) expect(script).not.toContain(nodeOnly);
    expect(relative(nodeImports)).toEqual([]);
  }, 60_000);

  it('lists the local pool’s files among those importing Node built-ins (the check above can fail)', async () => {
    const files = relative((await bundleForBrowser(path.join(src, 'local.ts'))).nodeImports);
    expect(files).toEqual(expect.arrayContaining(['experiments/src/data.ts', 'experiments/src/process-pool.ts', 'experiments/src/local.ts']));
  }, 60_000);
});
