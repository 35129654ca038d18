import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, UnknownNameError } from '@geoparam/core';
import { PARAMETERIZATION_NAMES } from '@geoparam/parameterizations';
import { foldNegativeRadii, loadModel, mlp, reparameterizeModel, saveModel, toStandard } from '@geoparam/models';
import { describeEachBackend, expectClose } from '@geoparam/test-utils';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-models-'));

describeEachBackend('MLP', ({ tolerance }) => {
  it('builds the paper model: hidden ReLU layers of any parameterization, plain linear output', () => {
    const model = mlp({ inputDim: 8, hidden: [100], parameterization: 'gmp', seed: 1 });
    expect(model.layers).toHaveLength(2);
    expect(model.reluLayers).toHaveLength(1);
    expect(model.reluLayers[0]!.parameterization.name).toBe('geometric');
    expect(model.parameterizedLayers[1]!.parameterization.name).toBe('standard');
    tf.tidy(() => expect(model.logits(tf.zeros([5, 8])).shape).toEqual([5, 1]));
    model.dispose();
  });

  it('inserts IMN after every ReLU and applies the head in predict', () => {
    const model = mlp({ inputDim: 2, hidden: [6, 4], outputUnits: 3, head: 'softmax', imn: true, seed: 2 });
    expect(model.layers.map((l) => l.getConfig().type)).toEqual(['dense', 'imn', 'dense', 'imn', 'dense']);
    tf.tidy(() => {
      const p = model.predict(tf.randomNormal([7, 2], 0, 1, 'float32', 1));
      expectClose(tf.sum(p, 1), tf.ones([7]), tolerance);
    });
    model.dispose();
  });

  it('is repeatable for a seed', () => {
    const a = mlp({ inputDim: 3, hidden: [5], seed: 9 });
    const b = mlp({ inputDim: 3, hidden: [5], seed: 9 });
    const c = mlp({ inputDim: 3, hidden: [5], seed: 10 });
    tf.tidy(() => {
      const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
      expectClose(a.logits(x), b.logits(x), { atol: 0, rtol: 0 });
      expect(tf.max(tf.abs(tf.sub(a.logits(x), c.logits(x)))).dataSync()[0]).toBeGreaterThan(1e-4);
    });
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
    for (const key of Object.keys(before)) expect(Array.from(after[key]!.dataSync())).toEqual(Array.from(before[key]!.dataSync()));
    tf.dispose([...Object.values(before), ...Object.values(after)]);
    tf.tidy(() => {
      const x = tf.randomNormal([6, 3], 0, 1, 'float32', 6);
      expectClose(loaded.predict(x), model.predict(x), { atol: 0, rtol: 0 });
    });
    model.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('converts a plain model to GmP and back without changing its function', () => {
    const model = mlp({ inputDim: 4, hidden: [12], seed: 3 });
    tf.tidy(() => {
      const x = tf.randomNormal([20, 4], 0, 1, 'float32', 7);
      const expected = model.predict(x);
      reparameterizeModel(model, 'geometric');
      expect(model.reluLayers[0]!.parameterization.name).toBe('geometric');
      expectClose(model.predict(x), expected, { atol: 1e-5, rtol: 1e-4 });
      toStandard(model);
      expect(model.parameterizedLayers.every((l) => l.parameterization.name === 'standard')).toBe(true);
      expectClose(model.predict(x), expected, { atol: 1e-5, rtol: 1e-4 });
    });
    model.dispose();
  });

  it('folds negative GmP radii into the next layer (and the IMN between) so the model can be baked', () => {
    const model = mlp({ inputDim: 3, hidden: [6], parameterization: 'geometric', imn: true, seed: 8 });
    tf.tidy(() => {
      const x = tf.randomNormal([30, 3], 0, 1, 'float32', 9);
      model.logits(x, { training: true });
      const geometry = model.reluLayers[0]!.parameterization.variables['geometry']!;
      const signs = tf.tensor2d([[1, -1, 1, -1, -1, 1]]);
      geometry.assign(tf.concat([tf.slice(geometry, [0, 0], [3, 6]), tf.mul(tf.slice(geometry, [3, 0], [1, 6]), signs)], 0));
      const expected = model.predict(x);
      expect(() => model.reluLayers[0]!.bake()).toThrow(/units \[1, 3, 4\]/);
      expect(foldNegativeRadii(model)).toBe(3);
      expectClose(model.predict(x), expected, { atol: 1e-5, rtol: 1e-4 });
      toStandard(model);
      expectClose(model.predict(x), expected, { atol: 1e-5, rtol: 1e-4 });
    });
    model.dispose();
  });
});
