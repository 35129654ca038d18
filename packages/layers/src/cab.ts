import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError, tidy } from '@geoparam/core';
import { snapshot, snapshotStability, type BoundarySnapshot } from '@geoparam/cab';
import { BatchNormMath, boundaryOfWeights, denseGeometry, type Boundary } from '@geoparam/parameterizations';
import { batchNormWeights, chainOf, reluUnitAt } from './convert';
import { ParameterizedLayer } from './parameterized-layer';
import { plainUnits } from './plain';

/** The CAB of one ReLU unit layer. */
export interface LayerBoundary {
  /** The Dense/Conv2D layer's name. */
  layer: string;
  boundary: Boundary;
}

/**
 * The characteristic activation boundary of every ReLU unit of a LayersModel: stock Dense/Conv2D
 * (`u = w/|w|`, `lambda = b/|w|`), followed by BatchNormalization (the effective bias with the
 * running statistics, primer §1), or geoparam layers (in their own coordinates: GmP's angles,
 * WN's `v`). Caller disposes the tensors.
 */
export function layersModelBoundaries(model: tfl.LayersModel): LayerBoundary[] {
  const layers = chainOf(model);
  const out: LayerBoundary[] = [];
  layers.forEach((layer, i) => {
    const unit = reluUnitAt(layers, i);
    if (!unit) return;
    const boundary = tidy((): Boundary => {
      if (layer instanceof ParameterizedLayer && !unit.batchNorm) return layer.math.boundary(layer.mathWeights());
      const { kernel, bias, scale } = plainUnits(layer);
      if (scale) scale.dispose();
      if (!unit.batchNorm) return boundaryOfWeights(kernel, bias);
      const units = bias.shape[0]!;
      const epsilon = Number(unit.batchNorm.getConfig()['epsilon'] ?? 1e-3);
      return new BatchNormMath(denseGeometry(kernel.shape[0]!, units), { epsilon }).boundary({ kernel, bias, ...batchNormWeights(unit.batchNorm, units) });
    });
    out.push({ layer: layer.name, boundary });
  });
  return out;
}

/** Every ReLU unit layer's boundary, read to the host asynchronously (`await data()`). */
export async function layersModelSnapshots(model: tfl.LayersModel): Promise<{ layer: string; snapshot: BoundarySnapshot }[]> {
  const boundaries = layersModelBoundaries(model);
  try {
    return await Promise.all(boundaries.map(async ({ layer, boundary }) => ({ layer, snapshot: await snapshot(boundary) })));
  } finally {
    tf.dispose(boundaries.flatMap(({ boundary }) => [boundary.direction, boundary.offset, boundary.location]));
  }
}

/** One record of how far the boundaries moved since the previous record. */
export interface CabStability {
  /** Batches seen so far (steps) when recorded. */
  step: number;
  epoch: number;
  /** Max over every unit of |phi(t) - phi(t-1)| (the paper's Fig 2c). */
  maxLocationShift: number;
  /** Max over every unit of the boundary's turn in degrees (Fig 3i). */
  maxAngleChange: number;
}

/** When a `CabCallback` records, and what it keeps. */
export interface CabCallbackOptions {
  /** Record after every batch (optimizer step) or every epoch (default). */
  every?: 'batch' | 'epoch';
  /** Keep the snapshots too, not only the stability series. */
  keepSnapshots?: boolean;
}

/**
 * A tfjs-layers callback for `model.fit`/`fitDataset` that records, per batch or epoch, how far
 * every ReLU unit's boundary moved (the stability `CabTracker` records in geoparam's own `fit`,
 * with `@geoparam/cab`'s math), and optionally the boundaries themselves.
 */
export class CabCallback extends tfl.Callback {
  readonly stability: CabStability[] = [];
  readonly snapshots: { step: number; epoch: number; layers: { layer: string; snapshot: BoundarySnapshot }[] }[] = [];
  private previous: { layer: string; snapshot: BoundarySnapshot }[] | null = null;
  private step = 0;
  private epoch = 0;
  private readonly every: 'batch' | 'epoch';

  constructor(private readonly options: CabCallbackOptions = {}) {
    super();
    this.every = options.every ?? 'epoch';
    if (this.every !== 'batch' && this.every !== 'epoch') throw new InvalidArgumentError('every', this.every, '"batch" or "epoch"');
  }

  private async record(): Promise<void> {
    const current = await layersModelSnapshots(this.model);
    if (this.previous) {
      let maxLocationShift = 0;
      let maxAngleChange = 0;
      current.forEach((entry, i) => {
        const s = snapshotStability(this.previous![i]!.snapshot, entry.snapshot);
        maxLocationShift = Math.max(maxLocationShift, s.maxLocationShift);
        maxAngleChange = Math.max(maxAngleChange, s.maxAngleChange);
      });
      this.stability.push({ step: this.step, epoch: this.epoch, maxLocationShift, maxAngleChange });
    }
    if (this.options.keepSnapshots) this.snapshots.push({ step: this.step, epoch: this.epoch, layers: current });
    this.previous = current;
  }

  /** Records the starting boundaries. */
  override async onTrainBegin(): Promise<void> {
    await this.record();
  }

  /** Counts the step; records it when `every` is `'batch'`. */
  override async onBatchEnd(): Promise<void> {
    this.step++;
    if (this.every === 'batch') await this.record();
  }

  /** Records the epoch when `every` is `'epoch'`. */
  override async onEpochEnd(epoch: number): Promise<void> {
    this.epoch = epoch + 1;
    if (this.every === 'epoch') await this.record();
  }
}

/** `new CabCallback(options)`, for `model.fit(x, y, { callbacks: [cabCallback()] })`. */
export function cabCallback(options: CabCallbackOptions = {}): CabCallback {
  return new CabCallback(options);
}
