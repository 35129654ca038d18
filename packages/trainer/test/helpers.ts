import type { Dataset } from '@geoparam/datasets';
import { SeedStream } from '@geoparam/core';

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
