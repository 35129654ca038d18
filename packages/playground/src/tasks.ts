import { BANANA_DEFAULTS, BANANA_NETWORK, LEVY_DEFAULTS, bananaTrainSpec, levyDraws, levyTrainSpec, type StudyNetwork, type StudyTrainSpec } from '@geoparam/experiments';
import { BANANA, levyFunction, parseBanana, type Dataset } from '@geoparam/datasets';
import type { LossName, MetricName } from '@geoparam/trainer';

export type TaskName = 'levy' | 'banana' | 'draw';
export const TASK_NAMES: TaskName[] = ['levy', 'banana', 'draw'];

/** What a lane needs to train on a task and to draw it. */
export interface Task {
  name: TaskName;
  train: Dataset;
  test: Dataset;
  /** The paper's network for the task (`units` replaces its hidden width). */
  network: StudyNetwork;
  loss: LossName;
  metric: MetricName;
  /** The paper's examples per step, used when the page names none. */
  batchSize: number | 'full';
  /** Plot window: x (and, in 2-D, the second feature) ranges. */
  domain: { x: [number, number]; y: [number, number] };
  /** 1-D only: the noise-free target, drawn under the fit. */
  truth?: (x: number) => number;
}

/** A task from a paper protocol's training spec: its data, network, loss, metric and batch size. */
function fromSpec(name: TaskName, spec: StudyTrainSpec, view: Pick<Task, 'domain' | 'truth'>): Task {
  const loss = spec.fit.loss;
  if (typeof loss !== 'string') throw new TypeError(`the ${name} protocol names its loss by a function; the playground shows named losses`);
  return { name, train: spec.train, test: spec.test, network: spec.network, loss, metric: spec.testMetric, batchSize: spec.fit.batchSize ?? 'full', ...view };
}

/**
 * Figure 2's setup (`levyTrainSpec`): the reference notebook's 50 noisy points of draw `seed`, the
 * noise-free test grid, 100 ReLU units, MAE, full batch. The page trains on all 50 points, as the
 * `paper` protocol does.
 */
export function levyTask(seed: number): Task {
  const [draw] = levyDraws(seed, 1, 'reference');
  return fromSpec('levy', levyTrainSpec(draw!, { epochs: LEVY_DEFAULTS.epochs, protocol: 'paper' }), { domain: { x: [-10, 10], y: [-1, 11] }, truth: levyFunction });
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

/**
 * Figure 3's setup (`bananaTrainSpec`): the reference draw `seed` of 1000 points, 800/200 split,
 * standardized with the training statistics; 10 ReLU units, a sigmoid output, BCE, batches of 128.
 */
export function bananaTask(csvText: string, seed: number): Task {
  const spec = bananaTrainSpec(parseBanana(csvText), seed, { epochs: BANANA_DEFAULTS.epochs, protocol: 'paper', dataDraw: 'reference' });
  return fromSpec('banana', spec, { domain: { x: range(spec.train.x, 0, 2), y: range(spec.train.x, 1, 2) } });
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
  // Classified as Banana is: its network, loss and metric; every point in each step.
  return { name: 'draw', train: data, test: data, network: BANANA_NETWORK, loss: 'binaryCrossentropy', metric: 'accuracy', batchSize: 'full', domain: DRAW_DOMAIN };
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
