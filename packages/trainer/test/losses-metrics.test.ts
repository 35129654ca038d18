import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError } from '@geoparam/core';
import { mlp } from '@geoparam/models';
import { StepDecay, createOptimizer, disposeOptimizer, evaluate, fit, getLoss, getMetric, setLearningRate } from '@geoparam/trainer';
import { LONG_RUNS, linearData } from './helpers';
import { describeEachBackend, expectCloseAsync } from '@geoparam/test-utils';

describeEachBackend('losses', ({ tolerance }) => {
  it('computes MAE, MSE and stable cross-entropies from logits', async () => {
    const p = (z: number) => 1 / (1 + Math.exp(-z));
    const bce = -(Math.log(1 - p(1)) + Math.log(p(-2)) + Math.log(1 - p(3)) * 0 + Math.log(p(3))) / 3;
    const lse = (v: number[]) => Math.log(v.reduce((s, x) => s + Math.exp(x), 0));
    const expected = ((lse([2, 0, -1]) - 2) + (lse([0, 1, 0]) - 0)) / 2;
    const losses = tf.tidy(() => {
      const logits = tf.tensor2d([[1], [-2], [3]]);
      const targets = tf.tensor2d([[0], [1], [3]]);
      const scores = tf.tensor2d([[2, 0, -1], [0, 1, 0]]);
      return [
        getLoss('mae')(logits, targets),
        getLoss('mse')(logits, targets),
        getLoss('binaryCrossentropy')(logits, tf.tensor2d([[0], [1], [1]])),
        // A logit of 200 would overflow exp() in a naive formula.
        getLoss('binaryCrossentropy')(tf.tensor2d([[200], [-200]]), tf.tensor2d([[0], [1]])),
        getLoss('softmaxCrossentropy')(scores, tf.tensor2d([[0], [2]])),
        getLoss('softmaxCrossentropy')(scores, tf.tensor2d([[1, 0, 0], [0, 0, 1]])),
      ];
    });
    const expectations = [
      { value: (1 + 3 + 0) / 3, tolerance },
      { value: (1 + 9 + 0) / 3, tolerance },
      { value: bce, tolerance },
      { value: 200, tolerance: { atol: 1e-3, rtol: 1e-6 } },
      { value: expected, tolerance },
      { value: expected, tolerance },
    ];
    for (const [i, loss] of losses.entries()) await expectCloseAsync(loss, [expectations[i]!.value], expectations[i]!.tolerance);
    tf.dispose(losses);
  });

  it('names unknown losses and metrics', () => {
    expect(() => getLoss('hinge')).toThrow(UnknownNameError);
    expect(() => getMetric('auc')).toThrow(/unknown metric "auc"; known: mse, rmse, mae, accuracy, top5/);
  });

  it('evaluates RMSE over the whole set regardless of batch size, and accuracy for sigmoid heads', async () => {
    const model = mlp({ inputDim: 1, hidden: [3], seed: 1 });
    const data = { x: Float32Array.from([0, 1, 2, 3, 4]), y: Float32Array.from([1, 0, 2, 5, -1]), numExamples: 5, numFeatures: 1, numTargets: 1 };
    const whole = await evaluate(model, data, { loss: 'mse', metrics: ['rmse', 'mae'], batchSize: 5 });
    const pieces = await evaluate(model, data, { loss: 'mse', metrics: ['rmse', 'mae'], batchSize: 2 });
    expect(pieces['rmse']).toBeCloseTo(whole['rmse']!, 5);
    expect(pieces['loss']).toBeCloseTo(whole['loss']!, 5);
    expect(whole['rmse']).toBeCloseTo(Math.sqrt(whole['loss']!), 5);
    model.dispose();
    const classifier = mlp({ inputDim: 1, hidden: [2], head: 'sigmoid', seed: 2 });
    const logits = tf.tidy(() => classifier.logits(tf.tensor2d([[-1], [0.5], [2]])));
    const out = await logits.data();
    logits.dispose();
    const labels = Float32Array.from(out, (z) => (z > 0 ? 1 : 0));
    labels[0] = 1 - labels[0]!;
    const acc = await evaluate(classifier, { x: Float32Array.from([-1, 0.5, 2]), y: labels, numExamples: 3, numFeatures: 1, numTargets: 1 }, { metrics: ['accuracy'] });
    expect(acc['accuracy']).toBeCloseTo(2 / 3, 6);
    classifier.dispose();
  });
}, { asyncReads: true });

describeEachBackend('optimizers', () => {
  it('builds Adam, SGD and SGD with momentum, whose learning rate can be changed mid-run', async () => {
    const momentum = createOptimizer({ name: 'sgd', learningRate: 0.05, momentum: 0.9 });
    expect(momentum.getClassName()).toBe('Momentum');
    setLearningRate(momentum, 0.01);
    expect((momentum as unknown as { learningRate: number }).learningRate).toBe(0.01);
    disposeOptimizer(momentum);
    const sgd = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    expect(sgd.getClassName()).toBe('SGD');
    disposeOptimizer(sgd);
    expect(() => createOptimizer({ name: 'sgd', learningRate: 0.1, momentum: 1 })).toThrow(/optimizer.momentum must be in \[0, 1\), got 1/);
    expect(() => createOptimizer({ name: 'rmsprop' as never, learningRate: 0.1 })).toThrow(/unknown optimizer "rmsprop"/);
    const model = mlp({ inputDim: 2, hidden: [8], seed: 3 });
    const history = await fit(model, { train: linearData(64) }, { epochs: 15, batchSize: 16, loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.02, momentum: 0.9 }, seed: 1 });
    const losses = history.history['loss']!;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]! / 4);
    model.dispose();
  });
}, LONG_RUNS);

describeEachBackend('top-5 accuracy and the step schedule', () => {
  it('counts an example when its class is among the five largest logits', async () => {
    const metric = getMetric('top5');
    const [top5, accuracy] = tf.tidy(() => {
      const logits = tf.tensor2d([
        [7, 6, 5, 4, 3, 2, 1],
        [7, 6, 5, 4, 3, 2, 1],
        [1, 2, 3, 4, 5, 6, 7],
      ]);
      const labels = tf.tensor2d([[4], [5], [0]]);
      return [metric.sum(logits, labels, 'softmax'), getMetric('accuracy').sum(logits, tf.tensor2d([[0], [5], [6]]), 'softmax')];
    });
    expect((await top5!.data())[0]).toBe(1);
    expect((await accuracy!.data())[0]).toBe(2);
    tf.dispose([top5!, accuracy!]);
  });

  it('multiplies the learning rate by the factor at each boundary epoch', async () => {
    const model = mlp({ inputDim: 2, hidden: [4], seed: 1 });
    const history = await fit(model, { train: linearData(16) }, {
      epochs: 6, batchSize: 16, loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
      callbacks: [new StepDecay({ boundaries: [2, 4] })],
    });
    const lrs = history.history['lr']!.map((v) => Number(v.toPrecision(6)));
    expect(lrs).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
    model.dispose();
    expect(() => new StepDecay({ boundaries: [0] })).toThrow(/boundaries\[0\] must be a positive integer epoch, got 0/);
  });
}, { asyncReads: true });
