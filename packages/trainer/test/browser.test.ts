// The browser entry (export condition `browser`): a bundle of it carries no file system code, and
// its `fit` refuses checkpoint directories with a typed error before any work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mlp } from '@geoparam/models';
import { describeEachBackend } from '@geoparam/test-utils';
import { bundleForBrowser, filesImportingNode } from '@geoparam/test-utils/browser';
import { LambdaCallback, NoFileSystemError, fit, type FitOptions } from '../src/browser';
import { linearData, weightsOf } from './helpers';

const src = path.join(__dirname, '..', 'src');

describe('@geoparam/trainer in a browser bundle', () => {
  it('bundles fit without any Node built-in or the checkpoint directory', async () => {
    const { script, nodeImports } = await bundleForBrowser(path.join(src, 'browser.ts'));
    expect(script).toContain('function fitWith');
    for (const nodeOnly of ['function directoryStore', 'function writeFileAtomic', 'cli-progress']) expect(script).not.toContain(nodeOnly);
    expect(nodeImports).toEqual({});
  }, 60_000);

  it('lists the Node entry’s checkpoint directory among files importing Node built-ins (the check above can fail)', async () => {
    const files = filesImportingNode(await bundleForBrowser(path.join(src, 'index.ts')));
    expect(files).toEqual(expect.arrayContaining(['trainer/src/checkpoint/directory.ts', 'core/dist/node/atomic-write.js']));
  }, 60_000);
});

const base: FitOptions = { epochs: 2, batchSize: 16, loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, seed: 1 };

describeEachBackend('the browser entry’s fit', () => {
  it.each(['checkpointDir', 'resumeFrom'] as const)('refuses %s with NoFileSystemError naming it, before any step or file', async (option) => {
    const dir = path.join(os.tmpdir(), `geoparam-never-written-${process.pid}`);
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const before = await weightsOf(model);
    let steps = 0;
    const counter = new LambdaCallback({ onTrainBegin: () => void steps++, onBatchEnd: () => void steps++ });
    const error = await fit(model, { train: linearData(32) }, { ...base, [option]: dir, callbacks: [counter] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFileSystemError);
    expect(error).toMatchObject({ code: 'NO_FILE_SYSTEM', option: `options.${option}`, value: dir });
    expect((error as Error).message).toMatch(new RegExp(`^options\\.${option} ".*geoparam-never-written-\\d+" names a directory, .* browser entry, which has no file system: .* drop options\\.${option} `));
    expect(steps).toBe(0);
    expect(await weightsOf(model)).toEqual(before);
    expect(fs.existsSync(dir)).toBe(false);
    model.dispose();
  });

  it('trains, and stops on its signal without a checkpoint', async () => {
    const controller = new AbortController();
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const stopper = new LambdaCallback({ onBatchEnd: (batch) => void (batch === 0 && controller.abort()) });
    const history = await fit(model, { train: linearData(32) }, { ...base, signal: controller.signal, callbacks: [stopper] });
    expect(history.stopReason).toBe('interrupted');
    expect(history.steps).toBe(1);
    expect(history.message).toBe('interrupted at epoch 1, step 1');
    model.dispose();
  });
}, { asyncReads: true });
