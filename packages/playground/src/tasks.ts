import { BANANA, bananaExperiment, levy, levyFunction, parseBanana, type Dataset } from '@geoparam/datasets';
import type { Head } from '@geoparam/models';
import type { LossName, MetricName } from '@geoparam/trainer';

export type TaskName = 'levy' | 'banana' | 'draw';
export const TASK_NAMES: TaskName[] = ['levy', 'banana', 'draw'];

/** What a lane needs to train on a task and to draw it. */
export interface Task {
  name: TaskName;
  inputDim: 1 | 2;
  train: Dataset;
  test: Dataset;
  head: Head;
  loss: LossName;
  metric: MetricName;
  /** Plot window: x (and, in 2-D, the second feature) ranges. */
  domain: { x: [number, number]; y: [number, number] };
  defaultUnits: number;
  /** 1-D only: the noise-free target, drawn under the fit. */
  truth?: (x: number) => number;
}

export function levyTask(seed: number): Task {
  const { train, test } = levy({ seed });
  return {
    name: 'levy',
    inputDim: 1,
    train,
    test,
    head: 'linear',
    loss: 'mae',
    metric: 'rmse',
    domain: { x: [-10, 10], y: [-1, 11] },
    defaultUnits: 100,
    truth: levyFunction,
  };
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class DataLoadError extends Error {
  override name = 'DataLoadError';
}

/**
 * The Banana CSV: a copy served beside the page (`data/banana.csv`, see scripts/serve.mjs) or the
 * canonical file; either must match the pinned SHA-256, so a corrupt or different file is refused.
 */
export async function fetchBananaText(): Promise<{ text: string; source: string }> {
  const failures: string[] = [];
  for (const url of [new URL('data/banana.csv', document.baseURI).href, BANANA.url]) {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      failures.push(`${url}: ${String(error)}`);
      continue;
    }
    if (!response.ok) {
      failures.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const bytes = await response.arrayBuffer();
    const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
    if (digest !== BANANA.sha256) {
      failures.push(`${url}: SHA-256 ${digest}, expected ${BANANA.sha256}`);
      continue;
    }
    return { text: new TextDecoder().decode(bytes), source: url };
  }
  throw new DataLoadError(`could not load banana.csv — ${failures.join('; ')}`);
}

function range(values: Float32Array, column: number, stride: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = column; i < values.length; i += stride) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

export function bananaTask(csvText: string, seed: number): Task {
  // 1000 points, 800/200 split, standardized with the training statistics: Figure 3's setup.
  const { train, test } = bananaExperiment(parseBanana(csvText), { seed });
  return {
    name: 'banana',
    inputDim: 2,
    train,
    test,
    head: 'sigmoid',
    loss: 'binaryCrossentropy',
    metric: 'accuracy',
    domain: { x: range(train.x, 0, 2), y: range(train.x, 1, 2) },
    defaultUnits: 10,
  };
}

export interface DrawnPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

export const DRAW_DOMAIN: Task['domain'] = { x: [-3, 3], y: [-3, 3] };

/** A set drawn with the mouse; it has no held-out part, so the "test" metric is training accuracy. */
export function drawnTask(points: DrawnPoint[]): Task {
  const data: Dataset = {
    x: Float32Array.from(points.flatMap((p) => [p.x, p.y])),
    y: Float32Array.from(points.map((p) => p.label)),
    numExamples: points.length,
    numFeatures: 2,
    numTargets: 1,
    featureNames: ['x1', 'x2'],
    targetNames: ['class'],
  };
  return { name: 'draw', inputDim: 2, train: data, test: data, head: 'sigmoid', loss: 'binaryCrossentropy', metric: 'accuracy', domain: DRAW_DOMAIN, defaultUnits: 10 };
}

/** Two interleaved clusters to start from, so the draw task trains before the first click. */
export function starterPoints(): DrawnPoint[] {
  const points: DrawnPoint[] = [];
  for (let i = 0; i < 12; i++) {
    const t = (i / 12) * Math.PI;
    points.push({ x: -1 + 1.5 * Math.cos(t), y: -0.3 + 1.5 * Math.sin(t), label: 1 });
    points.push({ x: 1 - 1.5 * Math.cos(t), y: 0.3 - 1.5 * Math.sin(t), label: 0 });
  }
  return points;
}
