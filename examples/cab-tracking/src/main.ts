// Example: watch the characteristic activation boundaries (CAB) of a GmP tf.sequential move
// during model.fit with the CAB tracker callback, then plot them to an SVG.
// Run: npx nx run @geoparam/example-cab-tracking:test
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cabCallback, geometricDense, type CabStability } from '@geoparam/layers';
import { writeFigure, type FigureSpec } from '@geoparam/plot';

export interface ExampleResult {
  epochs: number;
  /** Optimizer steps per epoch. */
  stepsPerEpoch: number;
  /** One record per epoch: how far the boundaries moved during it. */
  perEpoch: CabStability[];
  /** One record per optimizer step. */
  perStep: CabStability[];
  /** Boundary location (the 1-D breakpoint phi) of every unit, at the start and after each epoch: `[epochs + 1][units]`. */
  locations: number[][];
  svg: string;
  png: string;
}

/** y = |x| - 0.5 + sin(4x)/4 on [-2, 2], seeded. */
function regressionData(n: number, seed: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomUniform([n, 1], -2, 2, 'float32', seed) as tf.Tensor2D;
    return { xs, ys: tf.add(tf.sub(tf.abs(xs), 0.5), tf.div(tf.sin(tf.mul(xs, 4)), 4)) as tf.Tensor2D };
  });
}

/** phi of each unit over the epochs, one line per unit. */
function boundaryFigure(locations: number[][]): FigureSpec {
  const values = locations.flatMap((row, epoch) => row.map((phi, unit) => ({ epoch, unit, phi })));
  return {
    title: { text: 'CAB locations during model.fit', subtitle: 'GmP hidden layer, 1-D regression: the breakpoint phi of each ReLU unit' },
    width: 360,
    height: 240,
    data: { values },
    mark: { type: 'line', point: { size: 12 }, strokeWidth: 1 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'phi', type: 'quantitative', title: 'boundary location phi' },
      detail: { field: 'unit', type: 'nominal' },
      color: { field: 'unit', type: 'nominal', legend: null },
    },
  } as FigureSpec;
}

export async function main({ epochs = 20, units = 12, examples = 128, batchSize = 32, seed = 0, outDir = '', log = console.log } = {}): Promise<ExampleResult> {
  const { xs, ys } = regressionData(examples, seed);
  const model = tf.sequential({
    layers: [geometricDense({ units, activation: 'relu', inputShape: [1], seed }), tf.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
  // One tracker per epoch that keeps the boundaries (for the figure), one per optimizer step.
  const epochTracker = cabCallback({ every: 'epoch', keepSnapshots: true });
  const stepTracker = cabCallback({ every: 'batch' });
  await model.fit(xs, ys, { epochs, batchSize, verbose: 0, callbacks: [epochTracker, stepTracker] });
  for (const s of epochTracker.stability) {
    log(`epoch ${s.epoch}: max boundary shift ${s.maxLocationShift.toFixed(4)}, max turn ${s.maxAngleChange.toFixed(1)} deg`);
  }

  // In 1-D each unit's boundary is a point: its location phi has one coordinate.
  const locations = epochTracker.snapshots.map(({ layers }) => layers[0]!.snapshot.location.map(([phi]) => phi!));
  const dir = outDir || mkdtempSync(join(tmpdir(), 'geoparam-cab-tracking-'));
  const { svg, png } = await writeFigure(boundaryFigure(locations), join(dir, 'cab-locations'));
  log(`wrote ${svg}`);

  tf.dispose([xs, ys]);
  model.dispose();
  return {
    epochs,
    stepsPerEpoch: Math.ceil(examples / batchSize),
    perEpoch: epochTracker.stability,
    perStep: stepTracker.stability,
    locations,
    svg,
    png,
  };
}

if (require.main === module) {
  main().then(({ svg }) => console.log(svg));
}
