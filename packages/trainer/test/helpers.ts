import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '@geoparam/datasets';
import { SeedStream } from '@geoparam/core';
import type { Model } from '@geoparam/models';
import type { FitOptions } from '@geoparam/trainer';

/** The loop tests' fit options: MSE regression with Adam, seeded; `epochs` per suite. */
export function baseOptions(epochs: number): FitOptions {
  return { epochs, batchSize: 16, loss: 'mse', metrics: ['rmse'], optimizer: { name: 'adam', learningRate: 0.02 }, seed: 3 };
}

/** Every weight of a model, flattened in sorted key order: equal arrays mean bitwise-equal models. */
export async function weightsOf(model: Model): Promise<number[]> {
  const w = model.getWeights();
  const values = Object.keys(w)
    .sort()
    .map((k) => w[k]!.data());
  const flat = (await Promise.all(values)).flatMap((v) => Array.from(v));
  tf.dispose(Object.values(w));
  return flat;
}

/** A fresh directory under the system temp dir; the test removes it. */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `geoparam-${label}-`));
}

/** A 2-feature `Dataset` as a tf.data dataset of `{ xs, ys }` batches. */
export function asTfData(d: Dataset, batch: number): tfd.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const rows = Array.from({ length: d.numExamples }, (_, i) => [d.x[2 * i]!, d.x[2 * i + 1]!]);
  return tfd.zip({ xs: tfd.array(rows), ys: tfd.array(Array.from(d.y)) }).batch(batch) as unknown as tfd.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
}

/** y = 2 x0 - x1 + 0.5 + noise: learnable by a small MLP in a few epochs. */
export function linearData(n: number, seed = 1): Dataset {
  const s = new SeedStream(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = s.normal();
    x[2 * i + 1] = s.normal();
    y[i] = 2 * x[2 * i]! - x[2 * i + 1]! + 0.5 + 0.01 * s.normal();
  }
  return { x, y, numExamples: n, numFeatures: 2, numTargets: 1 };
}

/** Two Gaussian blobs, labels 0/1. */
export function blobs(n: number, seed = 2): Dataset {
  const s = new SeedStream(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    x[2 * i] = s.normal() * 0.5 + (label ? 1.5 : -1.5);
    x[2 * i + 1] = s.normal() * 0.5;
    y[i] = label;
  }
  return { x, y, numExamples: n, numFeatures: 2, numTargets: 1 };
}

/** `classes` Gaussian clusters on a circle, labels as class indices (`numTargets` 1). */
export function clusters(n: number, classes: number, seed = 3): Dataset {
  const s = new SeedStream(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    const angle = (2 * Math.PI * label) / classes;
    x[2 * i] = 2 * Math.cos(angle) + 0.6 * s.normal();
    x[2 * i + 1] = 2 * Math.sin(angle) + 0.6 * s.normal();
    y[i] = label;
  }
  return { x, y, numExamples: n, numFeatures: 2, numTargets: 1 };
}

/**
 * For suites of multi-epoch training runs: their reads are asynchronous, so they run on webgpu with
 * a hardware adapter; on SwiftShader (a CPU) a small training step takes about a second, and these
 * tests took minutes each (the webgpu part of fit.test.ts 484 s, of fit-stacked.test.ts 551 s, on
 * the shared 2-core machine). The loop itself is tested on every adapter in loop.test.ts.
 */
export const LONG_RUNS = {
  asyncReads: true,
  tooSlowOnSoftwareWebGPU: 'multi-epoch training runs take minutes per test on a software adapter; loop.test.ts covers the loop on it',
} as const;
