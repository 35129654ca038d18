import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, UnknownNameError } from '@geoparam/core';
import { PARAMETERIZATION_NAMES } from '@geoparam/parameterizations';
import { foldNegativeRadii, loadModel, mlp, reparameterizeModel, saveModel, toStandard } from '@geoparam/models';
import { describeEachBackend, expectCloseAsync } from '@geoparam/test-utils';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-models-'));

describeEachBackend('MLP', ({ tolerance, backend }) => {
  // Conversion bakes and reloads float32 weights (GmP through angles): a few ulp on cpu/wasm; webgpu's
  // WGSL trigonometry and tiled sums get its suite-wide bound.
  const conversionTolerance = backend === 'webgpu' ? tolerance : { atol: 1e-5, rtol: 1e-4 };
  it('builds the paper model: hidden ReLU layers of any parameterization, plain linear output', () => {
    const model = mlp({ inputDim: 8, hidden: [100], parameterization: 'gmp', seed: 1 });
    expect(model.layers).toHaveLength(2);
    expect(model.reluLayers).toHaveLength(1);
    expect(model.reluLayers[0]!.parameterization.name).toBe('geometric');
    expect(model.parameterizedLayers[1]!.parameterization.name).toBe('standard');
    tf.tidy(() => expect(model.logits(tf.zeros([5, 8])).shape).toEqual([5, 1]));
    model.dispose();
  });

  it('inserts IMN after every ReLU and applies the head in predict', async () => {
    const model = mlp({ inputDim: 2, hidden: [6, 4], outputUnits: 3, head: 'softmax', imn: true, seed: 2 });
    expect(model.layers.map((l) => l.getConfig().type)).toEqual(['dense', 'imn', 'dense', 'imn', 'dense']);
    const sums = tf.tidy(() => tf.sum(model.predict(tf.randomNormal([7, 2], 0, 1, 'float32', 1)), 1));
    await expectCloseAsync(sums, Array(7).fill(1), tolerance);
    sums.dispose();
    model.dispose();
  });

  it('is repeatable for a seed', async () => {
    const a = mlp({ inputDim: 3, hidden: [5], seed: 9 });
    const b = mlp({ inputDim: 3, hidden: [5], seed: 9 });
    const c = mlp({ inputDim: 3, hidden: [5], seed: 10 });
    const [la, lb, lc] = tf.tidy(() => {
      const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
      return [a.logits(x), b.logits(x), c.logits(x)];
    });
    await expectCloseAsync(la!, lb!, { atol: 0, rtol: 0 });
    const differ = tf.tidy(() => tf.max(tf.abs(tf.sub(la!, lc!))));
    expect((await differ.data())[0]).toBeGreaterThan(1e-4);
    tf.dispose([la!, lb!, lc!, differ]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects bad options by name', () => {
    expect(() => mlp({ inputDim: 0, hidden: [3] })).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => mlp({ inputDim: 2, hidden: [3, -1] })).toThrow(/hidden\[1\] must be a positive integer, got -1/);
    expect(() => mlp({ inputDim: 2, hidden: [3], parameterization: 'lora' })).toThrow(UnknownNameError);
    expect(() => mlp({ inputDim: 2, hidden: [3], head: 'tanh' as never })).toThrow(InvalidArgumentError);
    const model = mlp({ inputDim: 2, hidden: [3] });
    expect(() => tf.tidy(() => model.checkInput(tf.zeros([4, 3])))).toThrow(/model input must have shape \[\*, 2\], got \[4, 3\]/);
    model.dispose();
  });

  it.each(PARAMETERIZATION_NAMES)('saves and loads a %s model bit for bit, including running statistics', async (name) => {
    const dir = tmp();
    const model = mlp({ inputDim: 3, hidden: [7, 5], parameterization: name, imn: true, seed: 4, parameterizationOptions: { momentum: 0.9 } });
    tf.tidy(() => {
      model.logits(tf.randomNormal([16, 3], 1, 2, 'float32', 5), { training: true });
    });
    await saveModel(model, dir, { note: 'test' });
    const { model: loaded, metadata, warnings } = await loadModel(dir);
    expect(metadata).toEqual({ note: 'test' });
    expect(warnings).toEqual([]);
    expect(loaded.getConfig()).toEqual(model.getConfig());
    const before = model.getWeights();
    const after = loaded.getWeights();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const key of Object.keys(before)) expect(Array.from(await after[key]!.data())).toEqual(Array.from(await before[key]!.data()));
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    const x = tf.randomNormal([6, 3], 0, 1, 'float32', 6);
    const [fromLoaded, fromSaved] = tf.tidy(() => [loaded.predict(x), model.predict(x)]);
    await expectCloseAsync(fromLoaded!, fromSaved!, { atol: 0, rtol: 0 });
    tf.dispose([x, fromLoaded!, fromSaved!]);
    model.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('converts a plain model to GmP and back without changing its function', async () => {
    const model = mlp({ inputDim: 4, hidden: [12], seed: 3 });
    const x = tf.randomNormal([20, 4], 0, 1, 'float32', 7);
    const expected = model.predict(x);
    const expectSameFunction = async () => {
      const actual = model.predict(x);
      await expectCloseAsync(actual, expected, conversionTolerance);
      actual.dispose();
    };
    await reparameterizeModel(model, 'geometric');
    expect(model.reluLayers[0]!.parameterization.name).toBe('geometric');
    await expectSameFunction();
    await toStandard(model);
    expect(model.parameterizedLayers.every((l) => l.parameterization.name === 'standard')).toBe(true);
    await expectSameFunction();
    tf.dispose([x, expected]);
    model.dispose();
  });

  it('folds negative GmP radii into the next layer (and the IMN between) so the model can be baked', async () => {
    const model = mlp({ inputDim: 3, hidden: [6], parameterization: 'geometric', imn: true, seed: 8 });
    const x = tf.randomNormal([30, 3], 0, 1, 'float32', 9);
    tf.tidy(() => {
      model.logits(x, { training: true });
      const geometry = model.reluLayers[0]!.parameterization.variables['geometry']!;
      const signs = tf.tensor2d([[1, -1, 1, -1, -1, 1]]);
      geometry.assign(tf.concat([tf.slice(geometry, [0, 0], [3, 6]), tf.mul(tf.slice(geometry, [3, 0], [1, 6]), signs)], 0));
    });
    const expected = model.predict(x);
    const expectSameFunction = async () => {
      const actual = model.predict(x);
      await expectCloseAsync(actual, expected, conversionTolerance);
      actual.dispose();
    };
    await expect(model.reluLayers[0]!.bake()).rejects.toThrow(/units \[1, 3, 4\]/);
    expect(await foldNegativeRadii(model)).toBe(3);
    await expectSameFunction();
    await toStandard(model);
    await expectSameFunction();
    tf.dispose([x, expected]);
    model.dispose();
  });

  it('folds negative radii of consecutive GmP layers (each into the next, last first)', async () => {
    const model = mlp({ inputDim: 3, hidden: [4, 4], parameterization: 'geometric', seed: 12 });
    tf.tidy(() => {
      for (const layer of model.reluLayers) {
        const geometry = layer.parameterization.variables['geometry']!;
        geometry.assign(tf.concat([tf.slice(geometry, [0, 0], [layer.geometry.fanIn, 4]), tf.mul(tf.slice(geometry, [layer.geometry.fanIn, 0], [1, 4]), tf.tensor2d([[-1, 1, -1, 1]]))], 0));
      }
    });
    const x = tf.randomNormal([10, 3], 0, 1, 'float32', 13);
    const expected = model.predict(x);
    expect(await foldNegativeRadii(model)).toBe(4);
    await toStandard(model);
    const actual = model.predict(x);
    try {
      await expectCloseAsync(actual, expected, conversionTolerance);
    } finally {
      tf.dispose([x, expected, actual]);
      model.dispose();
    }
  });
}, { asyncReads: true });
