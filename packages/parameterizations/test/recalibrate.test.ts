import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@geoparam/core';
import { conv2d, dense, inputMeanNormalization, recalibrateStatistics, type ApplyOptions, type ParameterizationName } from '@geoparam/parameterizations';
import { describeEachBackend, expectClose } from '@geoparam/test-utils';

/** conv (BN, MBN or other) -> IMN -> dense of the same kind: every kind of running statistic. */
function network(parameterization: ParameterizationName) {
  const conv = conv2d({ inputChannels: 3, filters: 4, kernelSize: 3, padding: 'same', parameterization, seed: 1 });
  const imn = inputMeanNormalization({ channels: 4 });
  const head = dense({ inputDim: 4, units: 3, parameterization, seed: 2 });
  const forward = (x: tf.Tensor, options: ApplyOptions) => head.apply(tf.mean(imn.apply(conv.apply(x, options), options), [1, 2]), options);
  const variables = () => ({ ...Object.fromEntries(Object.entries(conv.parameterization.variables).map(([k, v]) => [`conv.${k}`, v])), 'imn.movingMean': imn.movingMean, ...Object.fromEntries(Object.entries(head.parameterization.variables).map(([k, v]) => [`head.${k}`, v])) });
  return { conv, imn, head, forward, variables, dispose: () => [conv, imn, head].forEach((l) => l.dispose()) };
}

function batches(count: number): tf.Tensor[] {
  // Shifted and scaled away from the initial running statistics (mean 0, variance 1).
  return Array.from({ length: count }, (_, i) => tf.tidy(() => tf.add(tf.mul(tf.randomNormal([5, 6, 6, 3], 0, 1, 'float32', 10 + i), 3), 2)));
}

type Network = ReturnType<typeof network>;

/** One kind of running statistic: what recalibration must make of it, computed directly from the batches. */
interface StatisticCase {
  what: string;
  parameterization: ParameterizationName;
  batches: number;
  /** Puts a stale value into the statistics first, which recalibration must replace. */
  stale?: (net: Network) => void;
  /** The expected statistics by name (inside a tidy). */
  expected: (net: Network, xs: tf.Tensor[]) => Record<string, tf.Tensor>;
  /** The network's running statistics by the same names, after recalibration. */
  recalibrated: (net: Network) => Record<string, tf.Tensor>;
  /** A further check on the expected values. */
  check?: (expected: Record<string, tf.Tensor>) => void;
}

const STATISTICS: StatisticCase[] = [
  {
    what: "BN: running mean and variance become the average of the batches' statistics (first layer, computed directly)",
    parameterization: 'batchNorm',
    batches: 4,
    // Something a stale running average could hold, NaN included: recalibration replaces it.
    stale: (net) => tf.tidy(() => net.conv.parameterization.variables['movingMean']!.assign(tf.fill([4], NaN))),
    expected: (net, xs) => {
      const kernel = net.conv.parameterization.variables['kernel']!;
      const bias = net.conv.parameterization.variables['bias']!;
      const stats = xs.map((x) => tf.moments(tf.add(tf.conv2d(x as tf.Tensor4D, tf.reshape(kernel, [3, 3, 3, 4]) as tf.Tensor4D, 1, 'same'), bias), [0, 1, 2]));
      return { mean: tf.div(tf.addN(stats.map((s) => s.mean)), 4), variance: tf.div(tf.addN(stats.map((s) => s.variance)), 4) };
    },
    recalibrated: (net) => ({ mean: net.conv.parameterization.variables['movingMean']!, variance: net.conv.parameterization.variables['movingVariance']! }),
    // The batches are far from N(0, 1): the statistics moved away from Keras' initial 0 / 1.
    check: (expected) => expect(Math.max(...Array.from(expected['variance']!.dataSync()))).toBeGreaterThan(2),
  },
  {
    what: "MBN and IMN: running means become the average of the batches' means",
    parameterization: 'meanOnlyBatchNorm',
    batches: 3,
    // In training mode each layer sees its batch statistics; the same forward pass gives them directly.
    expected: (net, xs) => {
      const g = net.conv.parameterization.variables['g']!;
      const v = net.conv.parameterization.variables['v']!;
      const kernel = tf.reshape(tf.mul(tf.div(v, tf.norm(v, 'euclidean', 0)), g), [3, 3, 3, 4]) as tf.Tensor4D;
      const zs = xs.map((x) => tf.conv2d(x as tf.Tensor4D, kernel, 1, 'same'));
      const convMeans = zs.map((z) => tf.mean(z, [0, 1, 2]));
      // IMN's input is relu(z - batch mean + bias).
      const bias = net.conv.parameterization.variables['bias']!;
      const imnMeans = zs.map((z, i) => tf.mean(tf.relu(tf.add(tf.sub(z, convMeans[i]!), bias)), [0, 1, 2]));
      return { conv: tf.div(tf.addN(convMeans), 3), imn: tf.div(tf.addN(imnMeans), 3) };
    },
    recalibrated: (net) => ({ conv: net.conv.parameterization.variables['movingMean']!, imn: net.imn.movingMean }),
  },
];

describeEachBackend('recalibrateStatistics', ({ tolerance }) => {
  // float32: the recalibrated statistics are the average of the batches' own statistics up to the
  // backend's tolerance (cpu 1e-5 abs / 1e-4 rel, wasm 2e-5 / 2e-4).
  it.each(['batchNorm', 'meanOnlyBatchNorm', 'geometric', 'standard'] as ParameterizationName[])('%s: changes no trainable weight (bit-exact) and no tensor count', async (name) => {
    const net = network(name);
    const xs = batches(3);
    try {
      const trainable = Object.fromEntries(Object.entries(net.variables()).filter(([, v]) => v.trainable).map(([k, v]) => [k, v.dataSync().slice()]));
      const before = tf.memory().numTensors;
      expect(await recalibrateStatistics(net.forward, xs)).toBe(3);
      expect(tf.memory().numTensors).toBe(before);
      for (const [key, v] of Object.entries(net.variables()).filter(([, v]) => v.trainable)) expect(Array.from(v.dataSync())).toEqual(Array.from(trainable[key]!));
    } finally {
      tf.dispose(xs);
      net.dispose();
    }
  });

  it.each(STATISTICS)('$what', async ({ parameterization, batches: count, stale, expected, recalibrated, check }) => {
    const net = network(parameterization);
    const xs = batches(count);
    try {
      stale?.(net);
      const want = tf.tidy(() => expected(net, xs));
      await recalibrateStatistics(net.forward, xs);
      const got = recalibrated(net);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const [key, value] of Object.entries(want)) expectClose(got[key]!, value, tolerance);
      check?.(want);
      tf.dispose(Object.values(want));
    } finally {
      tf.dispose(xs);
      net.dispose();
    }
  });

  it('uses at most `limit` batches, takes a model with logits() and an async iterable, and refuses no batches', async () => {
    const net = network('batchNorm');
    const xs = batches(3);
    try {
      let pulled = 0;
      async function* stream() {
        for (const x of xs) {
          pulled++;
          yield x;
        }
      }
      expect(await recalibrateStatistics({ logits: net.forward }, stream(), { limit: 2 })).toBe(2);
      expect(pulled).toBe(2);
      await expect(recalibrateStatistics(net.forward, [])).rejects.toThrow(InvalidArgumentError);
      await expect(recalibrateStatistics(net.forward, xs, { limit: 0 })).rejects.toThrow(InvalidArgumentError);
    } finally {
      tf.dispose(xs);
      net.dispose();
    }
  });
});
