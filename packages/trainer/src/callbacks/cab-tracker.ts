import { InvalidArgumentError } from '@geoparam/core';
import { snapshotOf, snapshotStability, type BoundarySnapshot } from '@geoparam/cab';
import type { ParameterizedLayer } from '@geoparam/parameterizations';
import { Callback, type CallbackState } from '../callback';

export interface CabRecord {
  step: number;
  epoch: number;
  /** One snapshot per tracked layer. */
  layers: BoundarySnapshot[];
}

export interface CabStabilityRecord {
  step: number;
  /** Max over every tracked unit of |phi(t) - phi(t-1)| (Fig 2c). */
  maxLocationShift: number;
  /** Max over every tracked unit of the boundary's turn in degrees (Fig 3i). */
  maxAngleChange: number;
}

export interface CabTrackerOptions {
  /** Record after every optimizer step or at the end of every epoch. */
  every?: 'step' | 'epoch';
  /** Stop recording after this many records (the paper's stability plots: the first 100 steps). */
  maxRecords?: number;
  /** Keep only the stability series, not every snapshot (saves memory on long runs). */
  stabilityOnly?: boolean;
}

/**
 * Records every ReLU unit's CAB (location phi and direction u) through the CAB package, and the
 * per-record stability the paper plots. Works for any parameterization via the shared interface.
 */
export class CabTracker extends Callback {
  readonly records: CabRecord[] = [];
  readonly stability: CabStabilityRecord[] = [];
  private previous: BoundarySnapshot[] | null = null;
  private count = 0;
  private readonly every: 'step' | 'epoch';

  constructor(private readonly options: CabTrackerOptions = {}) {
    super();
    this.every = options.every ?? 'epoch';
    if (this.every !== 'step' && this.every !== 'epoch') throw new InvalidArgumentError('every', this.every, '"step" or "epoch"');
  }

  private layers(): ParameterizedLayer[] {
    return this.context.model.reluLayers;
  }

  /** Reads the boundaries with `await data()`: no synchronous device read (WebGPU in Node has none). */
  private async record(): Promise<void> {
    if (this.options.maxRecords !== undefined && this.count > this.options.maxRecords) return;
    const current = await Promise.all(this.layers().map((layer) => snapshotOf(layer)));
    if (this.previous) {
      let maxLocationShift = 0;
      let maxAngleChange = 0;
      current.forEach((snap, i) => {
        const s = snapshotStability(this.previous![i]!, snap);
        maxLocationShift = Math.max(maxLocationShift, s.maxLocationShift);
        maxAngleChange = Math.max(maxAngleChange, s.maxAngleChange);
      });
      this.stability.push({ step: this.context.step, maxLocationShift, maxAngleChange });
    }
    if (!this.options.stabilityOnly) this.records.push({ step: this.context.step, epoch: this.context.epoch, layers: current });
    this.previous = current;
    this.count++;
  }

  override async onTrainBegin(): Promise<void> {
    // A resumed run already holds its records up to the checkpoint.
    if (this.count === 0) await this.record();
  }

  override getState(): CallbackState {
    return { json: { records: this.records, stability: this.stability, previous: this.previous, count: this.count } };
  }

  override setState(state: CallbackState): void {
    const json = state.json as { records: CabRecord[]; stability: CabStabilityRecord[]; previous: BoundarySnapshot[] | null; count: number };
    this.records.splice(0, this.records.length, ...json.records);
    this.stability.splice(0, this.stability.length, ...json.stability);
    this.previous = json.previous;
    this.count = json.count;
  }

  override async onBatchEnd(): Promise<void> {
    if (this.every === 'step') await this.record();
  }

  override async onEpochEnd(): Promise<void> {
    if (this.every === 'epoch') await this.record();
  }
}
