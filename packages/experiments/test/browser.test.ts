// The browser entry (export condition `browser`) bundles for a page: nothing under it, this
// package's code or the packages below, reaches a Node built-in.
import path from 'node:path';
import { bundleForBrowser, filesImportingNode } from '@geoparam/test-utils/browser';

const src = path.join(__dirname, '..', 'src');

describe('@geoparam/experiments in a browser bundle', () => {
  it('bundles the browser entry without the process pool, the queue or any Node built-in', async () => {
    const bundle = await bundleForBrowser(path.join(src, 'browser.ts'));
    const { script } = bundle;
    for (const used of ['function levyTrainSpec', 'function bananaTrainSpec', 'function buildStudyModel', 'function describeSample', 'MLP_METHODS']) expect(script).toContain(used);
    for (const nodeOnly of ['bullmq', 'ioredis', 'class ProcessPool', 'class Journal', 'function prepareData']) expect(script).not.toContain(nodeOnly);
    expect(filesImportingNode(bundle)).toEqual([]);
  }, 60_000);

  it('lists the local pool’s files among those importing Node built-ins (the check above can fail)', async () => {
    const files = filesImportingNode(await bundleForBrowser(path.join(src, 'local.ts')));
    expect(files).toEqual(expect.arrayContaining(['experiments/src/data.ts', 'experiments/src/process-pool.ts', 'experiments/src/local.ts']));
  }, 60_000);
});
