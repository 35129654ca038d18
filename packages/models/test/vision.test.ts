import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnknownNameError } from '@geoparam/core';
import { ResidualBlock, loadModel, resnet, saveModel, vgg6 } from '@geoparam/models';
import { VARIANTS, resolveVariant } from '@geoparam/parameterizations';
import { describeEachBackend, expectCloseAsync } from '@geoparam/test-utils';

const variants = VARIANTS.map((v) => v.key);

describeEachBackend('vision models', () => {
  it.each(variants)('VGG-6 %s: six convs, three pools, GAP and a plain head; softmax outputs', async (variant) => {
    const model = vgg6({ variant, inputShape: [16, 16, 3], classes: 10, width: 1 / 16, seed: 1 });
    const types = model.layers.map((l) => l.getConfig().type);
    expect(types.filter((t) => t === 'conv2d')).toHaveLength(6);
    expect(types.filter((t) => t === 'maxPool')).toHaveLength(3);
    expect(types.filter((t) => t === 'imn')).toHaveLength(variant === 'gmp+imn' ? 6 : 0);
    expect(types.slice(-2)).toEqual(['globalAveragePool', 'dense']);
    expect(model.reluLayers.map((l) => l.geometry.units)).toEqual([8, 8, 16, 16, 32, 32]);
    expect(model.reluLayers[0]!.parameterization.name).toBe(resolveVariant(variant).parameterization);
    expect(model.parameterizedLayers[6]!.parameterization.name).toBe('standard');
    const sums = tf.tidy(() => {
      const p = model.predict(tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 2));
      expect(p.shape).toEqual([2, 10]);
      return tf.sum(p, 1);
    });
    await expectCloseAsync(sums, [1, 1], { atol: 1e-5, rtol: 0 });
    sums.dispose();
    expect(() => tf.tidy(() => model.checkInput(tf.zeros([2, 8, 8, 3])))).toThrow(/model input must have shape \[\*, 16, 16, 3\], got \[2, 8, 8, 3\]/);
    model.dispose();
  });

  it('builds ResNet-18/34 stages and the CIFAR ResNet with strided 1x1 shortcuts', () => {
    const r18 = resnet({ depth: 18, variant: 'bn', inputShape: [32, 32, 3], classes: 5, width: 1 / 16 });
    const blocks = r18.layers.filter((l): l is ResidualBlock => l instanceof ResidualBlock);
    expect(blocks).toHaveLength(8);
    expect(blocks.filter((b) => b.shortcut !== null)).toHaveLength(3);
    expect(blocks[2]!.shortcut!.strides).toEqual([2, 2]);
    expect(blocks[2]!.shortcut!.geometry.kernelShape.slice(0, 2)).toEqual([1, 1]);
    r18.dispose();
    const r34 = resnet({ depth: 34, variant: 'sp', inputShape: [32, 32, 3], classes: 5, width: 1 / 32 });
    expect(r34.layers.filter((l) => l instanceof ResidualBlock)).toHaveLength(16);
    r34.dispose();
    const cifar = resnet({ depth: 'cifar', variant: 'gmp+imn', inputShape: [8, 8, 3], classes: 10, width: 0.25, cifarBlocks: 1 });
    expect(cifar.name).toBe('resnet8-GmP+IMN');
    const block = cifar.layers.find((l): l is ResidualBlock => l instanceof ResidualBlock)!;
    expect(block.imn1).not.toBeNull();
    expect(block.conv2.activation).toBe('linear');
    tf.tidy(() => expect(cifar.predict(tf.zeros([3, 8, 8, 3])).shape).toEqual([3, 10]));
    cifar.dispose();
    expect(() => vgg6({ variant: 'ln', inputShape: [8, 8, 3], classes: 2 })).toThrow(UnknownNameError);
    expect(() => vgg6({ variant: 'sp', inputShape: [8, 8, 3], classes: 2, width: 0 })).toThrow(/width must be a positive number, got 0/);
  });

  it('trains a small GmP+IMN ResNet with flat memory and saves it bit for bit', async () => {
    const model = resnet({ depth: 'cifar', variant: 'gmp+imn', inputShape: [8, 8, 3], classes: 4, width: 0.25, cifarBlocks: 1, seed: 3 });
    const x = tf.randomUniform([6, 8, 8, 3], -1, 1, 'float32', 4);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4));
    const optimizer = tf.train.momentum(0.05, 0.9);
    const step = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.logits(x, { training: true })) as tf.Scalar, true, model.trainableVariables)!;
    const first = step();
    const firstLoss = (await first.data())[0]!;
    first.dispose();
    const counts: number[] = [];
    let last = 0;
    for (let i = 0; i < 8; i++) {
      const cost = step();
      last = (await cost.data())[0]!;
      cost.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(last).toBeLessThan(firstLoss);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geoparam-vision-'));
    await saveModel(model, dir);
    const { model: loaded } = await loadModel(dir);
    expect(loaded.getConfig()).toEqual(model.getConfig());
    const [a, b] = tf.tidy(() => [loaded.predict(x), model.predict(x)]);
    await expectCloseAsync(a!, b!, { atol: 0, rtol: 0 });
    tf.dispose([a!, b!]);
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    tf.dispose([x, labels]);
    optimizer.dispose();
    (optimizer as unknown as { c: tf.Tensor }).c.dispose();
    model.dispose();
  });
}, { asyncReads: true });
